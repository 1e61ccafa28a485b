import logging

from flask import Flask, jsonify, request

app = Flask(__name__)
logger = logging.getLogger(__name__)


@app.route("/divide")
def divide():
    """Divide a by b from the query string."""
    try:
        a = float(request.args["a"])
        b = float(request.args["b"])
        return jsonify({"result": a / b})
    except Exception:
        logger.exception("divide failed")
        return jsonify({"error": "internal error"}), 500
