import os


def extract_backup(archive: str, dest: str) -> bool:
    """Extract a .tar.gz backup into dest using the system tar; return True on success."""
    os.makedirs(dest, exist_ok=True)
    return os.system(f"tar -xzf {archive} -C {dest}") == 0
