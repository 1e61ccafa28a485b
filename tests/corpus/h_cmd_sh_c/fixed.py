import subprocess

from flask import Flask, request
from werkzeug.utils import secure_filename

app = Flask(__name__)


@app.route("/convert", methods=["POST"])
def convert():
    """Convert the uploaded markdown file name to HTML with pandoc."""
    name = secure_filename(request.form["name"])
    proc = subprocess.Popen(["pandoc", name, "-o", "out.html"], stdout=subprocess.PIPE)
    out, _ = proc.communicate()
    return {"ok": proc.returncode == 0}
