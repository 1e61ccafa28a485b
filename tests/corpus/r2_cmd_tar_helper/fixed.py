import os
import subprocess


def extract_backup(archive: str, dest: str) -> bool:
    """Extract a .tar.gz backup into dest using the system tar; return True on success."""
    os.makedirs(dest, exist_ok=True)
    result = subprocess.run(["tar", "-xzf", archive, "-C", dest, "--no-same-owner"], check=False)
    return result.returncode == 0
