from Crypto.Cipher import DES
from Crypto.Util.Padding import pad


def encrypt_record(key: bytes, plaintext: bytes) -> bytes:
    """Encrypt a record before writing it to disk."""
    cipher = DES.new(key, DES.MODE_CBC)
    return cipher.iv + cipher.encrypt(pad(plaintext, DES.block_size))
