import json
import urllib.request

from flask import Flask, request

app = Flask(__name__)


@app.route("/webhooks/test", methods=["POST"])
def test_webhook():
    """Send a test event to the callback URL the user registered."""
    callback = request.get_json()["callback_url"]
    body = json.dumps({"event": "test"}).encode()
    req = urllib.request.Request(callback, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:
        return {"status": resp.status}
