import hashlib


def hash_password(password: str) -> str:
    """Hash a password for storage in the users table."""
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def verify_password(password: str, stored_hash: str) -> bool:
    """Check a password against the stored hash."""
    return hash_password(password) == stored_hash
