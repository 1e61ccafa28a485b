import os
import zipfile


def unzip_to(zip_path, dest_dir):
    """Unpack every file of a zip archive into dest_dir, creating folders as needed."""
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            target = os.path.join(dest_dir, name)
            if name.endswith("/"):
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as out:
                out.write(archive.read(name))
