import os
import stat
from pathlib import Path


def share(path):
    # ruleid: safegen.insecure-file-permissions
    os.chmod(path, 0o777)
    # ruleid: safegen.insecure-file-permissions
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IWOTH)
    # ruleid: safegen.insecure-file-permissions
    Path(path).chmod(0o666)
    # ruleid: safegen.insecure-file-permissions
    os.makedirs(path + ".d", mode=0o777, exist_ok=True)
    # ok: safegen.insecure-file-permissions
    os.chmod(path, 0o644)
    # ok: safegen.insecure-file-permissions
    os.chmod(path, 0o600)
    # ok: safegen.insecure-file-permissions
    os.makedirs(path + ".e", mode=0o750, exist_ok=True)
