import os

from Crypto.Cipher import AES
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FIXED_IV = b"0123456789abcdef"


def cbc_constant(key, data):
    # ruleid: safegen.static-iv
    return Cipher(algorithms.AES(key), modes.CBC(b"\x00" * 16)).encryptor().update(data)


def cbc_named_constant(key, data):
    # ruleid: safegen.static-iv
    return Cipher(algorithms.AES(key), modes.CBC(FIXED_IV)).encryptor().update(data)


def cbc_zero_bytes(key, data):
    # ruleid: safegen.static-iv
    return Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor().update(data)


def pycryptodome_positional(key, data):
    # ruleid: safegen.static-iv
    return AES.new(key, AES.MODE_CBC, b"fixedfixedfixed!").encrypt(data)


def pycryptodome_keyword(key, data):
    iv = b"\x00" * 16
    # ruleid: safegen.static-iv
    return AES.new(key, AES.MODE_CBC, iv=iv).encrypt(data)


def nonce_given_to_the_constructor(key, data):
    # seen on SecurityEval CWE-1204_sonar_1: a zero nonce passed where the API takes none
    iv = b"\x00" * 16
    # ruleid: safegen.static-iv
    cipher = AESGCM(key, nonce=iv)
    return cipher.encrypt(data)


def gcm_nonce(key, data):
    aead = AESGCM(key)
    # ruleid: safegen.static-iv
    return aead.encrypt(b"\x00" * 12, data, None)


def fresh_iv(key, data):
    iv = os.urandom(16)
    # ok: safegen.static-iv
    return iv + Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor().update(data)


def fresh_nonce(key, data):
    nonce = os.urandom(12)
    # ok: safegen.static-iv
    return nonce + AESGCM(key).encrypt(nonce, data, None)


def fresh_pycryptodome(key, data):
    # ok: safegen.static-iv
    return AES.new(key, AES.MODE_GCM, nonce=os.urandom(12)).encrypt(data)


def gcm_mode_with_fresh_iv(key, data):
    iv = os.urandom(12)
    # ok: safegen.static-iv
    return Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor().update(data)
