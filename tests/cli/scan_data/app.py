import sqlite3
import subprocess

from flask import Flask, request

app = Flask(__name__)
DB_PASSWORD = "correct-horse-battery"


@app.route("/user")
def user():
    name = request.args.get("name", "")
    conn = sqlite3.connect("app.db")
    rows = conn.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()
    return {"rows": len(rows)}


def archive(folder):
    subprocess.call("tar czf backup.tgz " + folder, shell=True)
