import sys
import tarfile


def backup(directory):
    """Create a tar.gz backup of the given directory."""
    with tarfile.open("backup.tar.gz", "w:gz") as archive:
        archive.add(directory)


if __name__ == "__main__":
    backup(sys.argv[1])
