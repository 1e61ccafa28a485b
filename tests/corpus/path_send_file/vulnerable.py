import os

from flask import Flask, request, send_file

app = Flask(__name__)
UPLOAD_DIR = "/srv/uploads"


@app.route("/download")
def download():
    """Send the requested file from the uploads directory."""
    filename = request.args.get("file")
    return send_file(os.path.join(UPLOAD_DIR, filename), as_attachment=True)
