import logging

from flask import Flask, request

app = Flask(__name__)
logger = logging.getLogger(__name__)


@app.route("/login", methods=["POST"])
def login():
    user = request.form["user"]
    # ruleid: safegen.log-injection
    logger.warning("failed login for " + user)
    # ruleid: safegen.log-injection
    logging.info("user %s", user)
    clean = user.replace("\n", "\\n").replace("\r", "\\r")
    # ok: safegen.log-injection
    logger.warning("failed login for %s", clean)
    # ok: safegen.log-injection
    logger.info("login attempt")
    return "no"
