import logging

from flask import Flask, request

app = Flask(__name__)
logger = logging.getLogger(__name__)


@app.route("/login", methods=["POST"])
def login():
    """Record a failed login attempt."""
    username = request.form.get("username", "")
    safe_username = username.replace("\r", "\\r").replace("\n", "\\n")
    logger.warning("Failed login for user: %s", safe_username)
    return {"ok": False}, 401
