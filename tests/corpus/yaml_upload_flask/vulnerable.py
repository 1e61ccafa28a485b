import yaml
from flask import Flask, request, jsonify

app = Flask(__name__)


@app.route("/import", methods=["POST"])
def import_settings():
    """Import settings posted as a YAML document."""
    settings = yaml.load(request.data, Loader=yaml.UnsafeLoader)
    return jsonify({"keys": sorted(settings)})
