import random
import string


def generate_reset_token(length: int = 32) -> str:
    """Generate a password-reset token to e-mail to the user."""
    alphabet = string.ascii_letters + string.digits
    return "".join(random.choice(alphabet) for _ in range(length))
