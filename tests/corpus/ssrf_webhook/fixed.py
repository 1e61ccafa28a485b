import ipaddress
import json
import socket
import urllib.request
from urllib.parse import urlparse

from flask import Flask, abort, request

app = Flask(__name__)


def is_allowed_callback(url: str) -> bool:
    """Allow only https URLs whose host resolves to public addresses."""
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.hostname:
        return False
    for info in socket.getaddrinfo(parsed.hostname, 443):
        if not ipaddress.ip_address(info[4][0]).is_global:
            return False
    return True


@app.route("/webhooks/test", methods=["POST"])
def test_webhook():
    """Send a test event to the callback URL the user registered."""
    callback = request.get_json()["callback_url"]
    if not is_allowed_callback(callback):
        abort(400)
    body = json.dumps({"event": "test"}).encode()
    req = urllib.request.Request(callback, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return {"status": resp.status}
