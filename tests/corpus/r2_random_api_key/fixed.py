import secrets


def create_api_key() -> str:
    """Create a new 40-character API key for a customer."""
    return secrets.token_hex(20)
