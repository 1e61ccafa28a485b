import hashlib
import hmac
import os


def hash_pw(pw: str) -> str:
    """Hash a user's password before saving it in the database."""
    salt = os.urandom(16)
    return salt.hex() + "$" + hashlib.pbkdf2_hmac("sha256", pw.encode(), salt, 600_000).hex()


def check_pw(pw: str, stored: str) -> bool:
    salt_hex, digest = stored.split("$")
    candidate = hashlib.pbkdf2_hmac("sha256", pw.encode(), bytes.fromhex(salt_hex), 600_000).hex()
    return hmac.compare_digest(candidate, digest)
