import os

BASE_DIR = "/var/app/data"


def read_user_file(username: str, filename: str) -> str:
    """Read a file from the user's data directory and return its text."""
    user_dir = os.path.realpath(os.path.join(BASE_DIR, username))
    path = os.path.realpath(os.path.join(user_dir, filename))
    if not user_dir.startswith(os.path.realpath(BASE_DIR) + os.sep):
        raise PermissionError("invalid user")
    if not path.startswith(user_dir + os.sep):
        raise PermissionError("path escapes the user directory")
    with open(path, "r", encoding="utf-8") as handle:
        return handle.read()
