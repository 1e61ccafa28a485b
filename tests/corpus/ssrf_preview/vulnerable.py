import requests
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/preview")
def preview():
    """Fetch the page at ?url= and return its title for a link preview."""
    url = request.args["url"]
    page = requests.get(url, timeout=5)
    start = page.text.find("<title>")
    end = page.text.find("</title>")
    return jsonify({"title": page.text[start + 7:end] if start >= 0 else ""})
