import shutil
import tarfile


def extract(path, dest):
    with tarfile.open(path) as tar:
        # ruleid: safegen.tar-extraction
        tar.extractall(dest)


def extract_filtered(path, dest):
    with tarfile.open(path) as tar:
        # ok: safegen.tar-extraction
        tar.extractall(dest, filter="data")


def unpack(path, dest):
    # ruleid: safegen.tar-extraction
    shutil.unpack_archive(path, dest)
    # ok: safegen.tar-extraction
    shutil.unpack_archive(path, dest, filter="data")
