import os

BASE_DIR = "/var/app/data"


def read_user_file(username: str, filename: str) -> str:
    """Read a file from the user's data directory and return its text."""
    path = os.path.join(BASE_DIR, username, filename)
    with open(path, "r", encoding="utf-8") as handle:
        return handle.read()
