import os
import sys


def backup(directory):
    """Create a tar.gz backup of the given directory."""
    os.system("tar czf backup.tar.gz " + directory)


if __name__ == "__main__":
    backup(sys.argv[1])
