import tempfile
import urllib.request
from urllib.parse import urlparse

from flask import Flask, abort, request

app = Flask(__name__)
IMAGE_HOSTS = {"images.example.com", "cdn.example.com"}


@app.route("/avatar", methods=["POST"])
def set_avatar():
    """Download the avatar image from the URL the user gave and store it."""
    image_url = request.form["image_url"]
    parsed = urlparse(image_url)
    if parsed.scheme != "https" or parsed.hostname not in IMAGE_HOSTS:
        abort(400)
    target = tempfile.NamedTemporaryFile(suffix=".png", delete=False).name
    urllib.request.urlretrieve(image_url, target)
    return {"stored": target}
