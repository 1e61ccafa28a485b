import subprocess

from flask import Flask, request

app = Flask(__name__)


@app.route("/convert", methods=["POST"])
def convert():
    """Convert the uploaded markdown file name to HTML with pandoc."""
    name = request.form["name"]
    proc = subprocess.Popen(["sh", "-c", f"pandoc {name} -o out.html"], stdout=subprocess.PIPE)
    out, _ = proc.communicate()
    return {"ok": proc.returncode == 0}
