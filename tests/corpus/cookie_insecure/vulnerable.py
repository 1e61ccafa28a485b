import secrets

from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    """Start a session and hand the session token to the browser."""
    token = secrets.token_urlsafe(32)
    response = make_response({"user": request.form["username"]})
    response.set_cookie("session_token", token)
    return response
