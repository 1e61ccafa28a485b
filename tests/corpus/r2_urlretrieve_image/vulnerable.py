import tempfile
import urllib.request

from flask import Flask, request

app = Flask(__name__)


@app.route("/avatar", methods=["POST"])
def set_avatar():
    """Download the avatar image from the URL the user gave and store it."""
    image_url = request.form["image_url"]
    target = tempfile.NamedTemporaryFile(suffix=".png", delete=False).name
    urllib.request.urlretrieve(image_url, target)
    return {"stored": target}
