import hashlib
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
    cursor.execute("SELECT salt, password_hash FROM users WHERE username = ?", (username,))
    row = cursor.fetchone()
    conn.close()
    if row is None:
        return jsonify({"ok": False})
    salt, stored = row
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 600_000).hex()
    return jsonify({"ok": digest == stored})
