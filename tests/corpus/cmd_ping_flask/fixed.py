import ipaddress
import subprocess

from flask import Flask, abort, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    """Ping the host given in the query string and return the output."""
    host = request.args.get("host", "")
    try:
        address = str(ipaddress.ip_address(host))
    except ValueError:
        abort(400)
    completed = subprocess.run(
        ["ping", "-c", "1", address], capture_output=True, text=True, timeout=10
    )
    return completed.stdout, 200, {"Content-Type": "text/plain"}
