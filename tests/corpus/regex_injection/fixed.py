import re

from flask import Flask, jsonify, request

app = Flask(__name__)
DOCUMENTS = ["alpha release notes", "beta changelog", "gamma roadmap"]


@app.route("/grep")
def grep():
    """Return the documents matching the pattern in ?q=."""
    pattern = re.escape(request.args.get("q", ""))
    matches = [doc for doc in DOCUMENTS if re.search(pattern, doc)]
    return jsonify(matches)
