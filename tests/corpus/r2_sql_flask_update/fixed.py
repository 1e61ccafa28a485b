import sqlite3

from flask import Flask, g, request, session

app = Flask(__name__)


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect("app.db")
    return g.db


@app.route("/profile", methods=["POST"])
def update_profile():
    """Save the user's new bio."""
    bio = request.form.get("bio", "")
    db = get_db()
    db.execute("UPDATE users SET bio = ? WHERE id = ?", (bio, session["user_id"]))
    db.commit()
    return {"saved": True}
