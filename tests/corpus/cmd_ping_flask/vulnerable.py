import os

from flask import Flask, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    """Ping the host given in the query string and return the output."""
    host = request.args.get("host", "")
    result = os.popen(f"ping -c 1 {host}").read()
    return result
