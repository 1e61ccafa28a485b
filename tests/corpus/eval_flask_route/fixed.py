import ast

from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/parse")
def parse_value():
    """Parse the Python literal given in ?value= and return it as JSON."""
    value = request.args.get("value", "None")
    try:
        return jsonify({"value": ast.literal_eval(value)})
    except (ValueError, SyntaxError):
        return jsonify({"error": "not a literal"}), 400
