from Crypto.Cipher import AES


def encrypt_record(key: bytes, plaintext: bytes) -> bytes:
    """Encrypt a record before writing it to disk."""
    cipher = AES.new(key, AES.MODE_GCM)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    return cipher.nonce + tag + ciphertext
