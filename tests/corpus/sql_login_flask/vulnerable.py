import sqlite3

from flask import Flask, request, jsonify

app = Flask(__name__)
DATABASE = "users.db"


@app.route("/login", methods=["POST"])
def login():
    """Check the submitted username and password against the users table."""
    username = request.form["username"]
    password = request.form["password"]
    conn = sqlite3.connect(DATABASE)
    cursor = conn.cursor()
    query = f"SELECT id FROM users WHERE username = '{username}' AND password_hash = '{password}'"
    cursor.execute(query)
    row = cursor.fetchone()
    conn.close()
    return jsonify({"ok": row is not None})
