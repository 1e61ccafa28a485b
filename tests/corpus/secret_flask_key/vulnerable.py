from flask import Flask, session

app = Flask(__name__)
app.config["SECRET_KEY"] = "my-super-secret-key-123"


@app.route("/visit")
def visit():
    """Count the visits of this browser session."""
    session["visits"] = session.get("visits", 0) + 1
    return {"visits": session["visits"]}
