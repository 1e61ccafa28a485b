import hashlib
import secrets


def register_user(db, username, password):
    """Store a new user with a salted password hash."""
    salt = secrets.token_bytes(16)
    password_hash = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000).hex()
    db.execute(
        "INSERT INTO users (username, salt, password_hash) VALUES (?, ?, ?)",
        (username, salt.hex(), password_hash),
    )
