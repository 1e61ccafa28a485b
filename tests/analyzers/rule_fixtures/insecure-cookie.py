from flask import Flask, make_response

app = Flask(__name__)


@app.route("/login")
def login():
    response = make_response("ok")
    # ruleid: safegen.insecure-cookie
    response.set_cookie("session_id", "abc")
    # ok: safegen.insecure-cookie
    response.set_cookie("auth_token", "abc", secure=True, httponly=True, samesite="Lax")
    # ok: safegen.insecure-cookie
    response.set_cookie("theme", "dark")
    return response
