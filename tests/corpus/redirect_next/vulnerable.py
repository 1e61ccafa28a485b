from flask import Flask, redirect, request, session, url_for

app = Flask(__name__)


@app.route("/login", methods=["POST"])
def login():
    """Log the user in and send them back to the page they came from."""
    session["user"] = request.form["username"]
    next_url = request.args.get("next") or url_for("index")
    return redirect(next_url)
