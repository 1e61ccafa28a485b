import random
import string


def create_api_key() -> str:
    """Create a new 40-character API key for a customer."""
    return "".join(random.choice(string.hexdigits.lower()) for _ in range(40))
