import os
import tarfile


def extract_archive(archive_path: str, destination: str) -> None:
    """Extract a .tar.gz archive into the destination directory."""
    base = os.path.realpath(destination)
    with tarfile.open(archive_path, "r:gz") as tar:
        for member in tar.getmembers():
            target = os.path.realpath(os.path.join(base, member.name))
            if not target.startswith(base + os.sep):
                raise ValueError(f"unsafe path in archive: {member.name}")
            if member.issym() or member.islnk() or member.isdev():
                raise ValueError(f"unsupported member type: {member.name}")
        tar.extractall(base, filter="data")
