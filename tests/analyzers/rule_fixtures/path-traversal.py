import os
import tarfile
import zipfile

from flask import Flask, request, send_file, send_from_directory
from werkzeug.utils import secure_filename

app = Flask(__name__)
BASE = "/srv/files"


@app.route("/download")
def download():
    name = request.args["name"]
    # ruleid: safegen.path-traversal
    return send_file(os.path.join(BASE, name))


@app.route("/download2")
def download2():
    name = secure_filename(request.args["name"])
    # ok: safegen.path-traversal
    return send_file(os.path.join(BASE, name))


@app.route("/download3")
def download3():
    # ok: safegen.path-traversal
    return send_from_directory(BASE, request.args["name"])


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["file"]
    # ruleid: safegen.path-traversal
    f.save(os.path.join(BASE, f.filename))
    return "ok"


def read_report(name):
    path = os.path.join(BASE, "reports", name)
    # ruleid: safegen.path-traversal
    with open(path) as handle:
        return handle.read()


def read_report_safely(name):
    path = os.path.realpath(os.path.join(BASE, "reports", name))
    if not path.startswith(os.path.realpath(BASE) + os.sep):
        raise PermissionError(name)
    # ok: safegen.path-traversal
    with open(path) as handle:
        return handle.read()


def write_into(directory, filename, text):
    # ok: safegen.path-traversal
    with open(os.path.join(directory, filename), "w") as handle:
        handle.write(text)


def read_config(path):
    # ok: safegen.path-traversal
    with open(path) as handle:
        return handle.read()


def remove_upload(name):
    # ok: safegen.path-traversal
    os.remove(os.path.join(BASE, os.path.basename(name)))


def unzip(archive_path, dest):
    with zipfile.ZipFile(archive_path) as archive:
        for member in archive.namelist():
            target = os.path.join(dest, member)
            # ruleid: safegen.path-traversal
            with open(target, "wb") as out:
                out.write(archive.read(member))


def unzip_safely(archive_path, dest):
    base = os.path.abspath(dest)
    with zipfile.ZipFile(archive_path) as archive:
        for member in archive.namelist():
            target = os.path.abspath(os.path.join(base, member))
            if os.path.commonpath([base, target]) != base:
                raise ValueError(member)
            # ok: safegen.path-traversal
            with open(target, "wb") as out:
                out.write(archive.read(member))


@app.route("/docs")
def docs():
    from pathlib import Path

    page = request.args["page"]
    target = Path(BASE) / page
    # ok: safegen.path-traversal
    cleaned = page.replace("..", "")
    # ruleid: safegen.path-traversal
    text = target.read_text()
    safe = (Path(BASE) / page).resolve()
    if not safe.is_relative_to(Path(BASE).resolve()):
        raise PermissionError(page)
    # ok: safegen.path-traversal
    return text + safe.read_text() + cleaned


def _safegen_confined(value):
    if os.path.isabs(value) or ".." in value.split("/"):
        raise ValueError(value)
    return value


def save_confined(filename, data):
    filename = _safegen_confined(filename)  # what safegen's exploit fix writes
    path = os.path.join("uploads", filename)
    # ok: safegen.path-traversal
    with open(path, "wb") as out:
        out.write(data)


def save_unconfined(filename, data):
    path = os.path.join("uploads", filename)
    # ruleid: safegen.path-traversal
    with open(path, "wb") as out:
        out.write(data)
