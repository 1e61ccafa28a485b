import os

from flask import Flask, request

app = Flask(__name__)
app.config["UPLOAD_FOLDER"] = "/srv/uploads"


@app.route("/upload", methods=["POST"])
def upload():
    """Save the uploaded file in the upload folder."""
    uploaded = request.files["file"]
    uploaded.save(os.path.join(app.config["UPLOAD_FOLDER"], uploaded.filename))
    return "uploaded", 201
