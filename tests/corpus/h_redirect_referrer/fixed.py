from urllib.parse import urlparse

from flask import Flask, redirect, request, session, url_for

app = Flask(__name__)


@app.route("/language/<code>")
def set_language(code):
    """Remember the chosen language and go back to the previous page."""
    session["lang"] = code
    back = request.args.get("back") or "/"
    if urlparse(back).netloc or not back.startswith("/"):
        back = url_for("index")
    return redirect(back)
