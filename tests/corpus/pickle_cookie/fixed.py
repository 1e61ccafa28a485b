import base64
import json

from flask import Flask, request

app = Flask(__name__)


@app.route("/cart")
def cart():
    """Restore the shopping cart stored in the cart cookie."""
    raw = request.cookies.get("cart")
    try:
        items = json.loads(base64.b64decode(raw)) if raw else []
    except ValueError:
        items = []
    if not isinstance(items, list):
        items = []
    return {"count": len(items)}
