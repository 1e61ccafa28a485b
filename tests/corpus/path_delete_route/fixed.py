import os

from flask import Flask, request, jsonify
from werkzeug.utils import secure_filename

app = Flask(__name__)
REPORTS = "/srv/reports"


@app.route("/reports/delete", methods=["POST"])
def delete_report():
    """Delete a generated report by name."""
    name = secure_filename(request.form["name"])
    if not name:
        return jsonify({"error": "invalid name"}), 400
    os.remove(os.path.join(REPORTS, name))
    return jsonify({"deleted": name})
