import os


def save_private_key(path, pem_bytes):
    """Save the private key PEM to disk."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem_bytes)
