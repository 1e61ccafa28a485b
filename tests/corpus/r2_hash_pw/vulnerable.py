import hashlib


def hash_pw(pw: str) -> str:
    """Hash a user's password before saving it in the database."""
    return hashlib.sha256(pw.encode()).hexdigest()


def check_pw(pw: str, stored: str) -> bool:
    return hash_pw(pw) == stored
