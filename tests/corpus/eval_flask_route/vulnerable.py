from flask import Flask, jsonify, request

app = Flask(__name__)


@app.route("/parse")
def parse_value():
    """Parse the Python literal given in ?value= and return it as JSON."""
    value = request.args.get("value", "None")
    return jsonify({"value": eval(value)})
