import base64

import dill
from flask import Flask, request

app = Flask(__name__)


@app.route("/jobs", methods=["POST"])
def submit_job():
    """Accept a serialized task function and queue it."""
    payload = request.get_json()["task"]
    task = dill.loads(base64.b64decode(payload))
    return {"queued": getattr(task, "__name__", "task")}
