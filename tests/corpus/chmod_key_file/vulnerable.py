import os
import stat


def save_private_key(path, pem_bytes):
    """Save the private key PEM to disk."""
    with open(path, "wb") as handle:
        handle.write(pem_bytes)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH | stat.S_IWOTH)
