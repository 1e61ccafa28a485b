import os
import zipfile


def unzip_to(zip_path, dest_dir):
    """Unpack every file of a zip archive into dest_dir, creating folders as needed."""
    base = os.path.abspath(dest_dir)
    with zipfile.ZipFile(zip_path) as archive:
        for name in archive.namelist():
            target = os.path.abspath(os.path.join(base, name))
            if os.path.commonpath([base, target]) != base:
                raise ValueError(f"refusing to extract {name!r} outside {base}")
            if name.endswith("/"):
                os.makedirs(target, exist_ok=True)
                continue
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as out:
                out.write(archive.read(name))
