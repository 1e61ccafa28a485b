import secrets
import string


def generate_password(length=12):
    """Generate a random initial password for a new account."""
    chars = string.ascii_letters + string.digits + "!@#$%^&*"
    password = "".join(secrets.choice(chars) for _ in range(length))
    return password
