from urllib.parse import urlparse

import requests
from flask import Flask, abort, jsonify, request

app = Flask(__name__)
ALLOWED_HOSTS = {"example.com", "www.example.com", "docs.python.org"}


@app.route("/preview")
def preview():
    """Fetch the page at ?url= and return its title for a link preview."""
    url = request.args["url"]
    parsed = urlparse(url)
    if parsed.scheme != "https" or parsed.hostname not in ALLOWED_HOSTS:
        abort(400)
    page = requests.get(url, timeout=5, allow_redirects=False)
    start = page.text.find("<title>")
    end = page.text.find("</title>")
    return jsonify({"title": page.text[start + 7:end] if start >= 0 else ""})
