import hashlib
import os


def store(password: str) -> str:
    # ruleid: safegen.weak-password-hash
    return hashlib.md5(password.encode()).hexdigest()


def store_salted(salt: str, user_password: str) -> str:
    # ruleid: safegen.weak-password-hash
    return hashlib.sha256((salt + user_password).encode()).hexdigest()


def store_update(password):
    digest = hashlib.sha1()
    # ruleid: safegen.weak-password-hash
    digest.update(password.encode())
    return digest.hexdigest()


def store_kdf(password: str) -> bytes:
    salt = os.urandom(16)
    # ok: safegen.weak-password-hash
    return salt + hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)


def checksum(data: bytes) -> str:
    # ok: safegen.weak-password-hash
    return hashlib.sha256(data).hexdigest()
