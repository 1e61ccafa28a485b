import traceback

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/divide")
def divide():
    """Divide a by b from the query string."""
    try:
        a = float(request.args["a"])
        b = float(request.args["b"])
        return jsonify({"result": a / b})
    except Exception:
        return jsonify({"error": traceback.format_exc()}), 500
