from flask import Flask, redirect, request, session

app = Flask(__name__)


@app.route("/language/<code>")
def set_language(code):
    """Remember the chosen language and go back to the previous page."""
    session["lang"] = code
    return redirect(request.args.get("back") or request.referrer or "/")
