import hashlib
import secrets


def register_user(db, username, password):
    """Store a new user with a salted password hash."""
    salt = secrets.token_hex(8)
    password_hash = hashlib.sha1((salt + password).encode()).hexdigest()
    db.execute(
        "INSERT INTO users (username, salt, password_hash) VALUES (?, ?, ?)",
        (username, salt, password_hash),
    )
