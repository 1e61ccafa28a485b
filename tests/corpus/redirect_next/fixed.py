from urllib.parse import urlparse

from flask import Flask, redirect, request, session, url_for

app = Flask(__name__)


def is_safe_redirect(target: str) -> bool:
    """Only allow relative paths on this site."""
    parsed = urlparse(target)
    return not parsed.scheme and not parsed.netloc and target.startswith("/")


@app.route("/login", methods=["POST"])
def login():
    """Log the user in and send them back to the page they came from."""
    session["user"] = request.form["username"]
    next_url = request.args.get("next") or url_for("index")
    if not is_safe_redirect(next_url):
        next_url = url_for("index")
    return redirect(next_url)
