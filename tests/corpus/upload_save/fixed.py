import os

from flask import Flask, abort, request
from werkzeug.utils import secure_filename

app = Flask(__name__)
app.config["UPLOAD_FOLDER"] = "/srv/uploads"
ALLOWED_EXTENSIONS = {"png", "jpg", "pdf"}


@app.route("/upload", methods=["POST"])
def upload():
    """Save the uploaded file in the upload folder."""
    uploaded = request.files["file"]
    filename = secure_filename(uploaded.filename or "")
    if "." not in filename or filename.rsplit(".", 1)[1].lower() not in ALLOWED_EXTENSIONS:
        abort(400)
    uploaded.save(os.path.join(app.config["UPLOAD_FOLDER"], filename))
    return "uploaded", 201
