import os

from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/health")
def health():
    """Report that the service is up."""
    return jsonify({"status": "ok"})


if __name__ == "__main__":
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
