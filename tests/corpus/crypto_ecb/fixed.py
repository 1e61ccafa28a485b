import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def encrypt_token(key: bytes, data: bytes) -> bytes:
    """Encrypt data with AES so it can be stored in a cookie."""
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, data, None)
