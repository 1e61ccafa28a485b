import os

UPLOAD_ROOT = "/var/lib/app/uploads"


def ensure_user_dir(user_id: int) -> str:
    """Create the upload directory of a user if needed and return its path."""
    path = os.path.join(UPLOAD_ROOT, str(user_id))
    os.makedirs(path, mode=0o777, exist_ok=True)
    return path
