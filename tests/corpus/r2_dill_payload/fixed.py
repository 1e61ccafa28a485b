from flask import Flask, abort, request

app = Flask(__name__)
TASKS = {"resize": "tasks.resize", "thumbnail": "tasks.thumbnail"}


@app.route("/jobs", methods=["POST"])
def submit_job():
    """Accept the name of a registered task and queue it."""
    name = request.get_json().get("task")
    if name not in TASKS:
        abort(400)
    return {"queued": name}
