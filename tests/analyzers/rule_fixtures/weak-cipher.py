from Crypto.Cipher import AES, DES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def encrypt(key, data):
    # ruleid: safegen.weak-cipher
    a = AES.new(key, AES.MODE_ECB)
    # ruleid: safegen.weak-cipher
    b = DES.new(key, DES.MODE_CBC)
    # ruleid: safegen.weak-cipher
    c = Cipher(algorithms.AES(key), modes.ECB())
    # ok: safegen.weak-cipher
    d = AES.new(key, AES.MODE_GCM)
    # ok: safegen.weak-cipher
    e = Cipher(algorithms.AES(key), modes.CTR(b"\0" * 16))
    return a, b, c, d, e
