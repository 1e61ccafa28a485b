import os

from flask import Flask, session

app = Flask(__name__)
app.config["SECRET_KEY"] = os.environ["FLASK_SECRET_KEY"]


@app.route("/visit")
def visit():
    """Count the visits of this browser session."""
    session["visits"] = session.get("visits", 0) + 1
    return {"visits": session["visits"]}
