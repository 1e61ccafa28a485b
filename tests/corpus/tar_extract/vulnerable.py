import tarfile


def extract_archive(archive_path: str, destination: str) -> None:
    """Extract a .tar.gz archive into the destination directory."""
    with tarfile.open(archive_path, "r:gz") as tar:
        tar.extractall(destination)
