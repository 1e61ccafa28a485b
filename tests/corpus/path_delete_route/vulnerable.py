import os

from flask import Flask, request, jsonify

app = Flask(__name__)
REPORTS = "/srv/reports"


@app.route("/reports/delete", methods=["POST"])
def delete_report():
    """Delete a generated report by name."""
    name = request.form["name"]
    os.remove(REPORTS + "/" + name)
    return jsonify({"deleted": name})
