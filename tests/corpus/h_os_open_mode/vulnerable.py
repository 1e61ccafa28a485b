import json
import os


def save_credentials(path: str, creds: dict) -> None:
    """Write the API credentials to a JSON file."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o666)
    with os.fdopen(fd, "w") as handle:
        json.dump(creds, handle)
