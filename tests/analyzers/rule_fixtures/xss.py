import html

from flask import Flask, Response, jsonify, make_response, render_template, request
from markupsafe import Markup, escape

app = Flask(__name__)


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    # ruleid: safegen.xss
    return f"<h1>Hello {name}</h1>"


@app.route("/hello-escaped")
def hello_escaped():
    name = request.args.get("name", "")
    # ok: safegen.xss
    return f"<h1>Hello {escape(name)}</h1>"


@app.route("/search")
def search():
    q = request.args.get("q", "")
    # ruleid: safegen.xss
    body = "<p>Results for %s</p>" % q
    # ok: safegen.xss
    safe = "<p>Results for %s</p>" % html.escape(q)
    # ruleid: safegen.xss
    return safe + body


@app.route("/bio")
def bio():
    # ruleid: safegen.xss
    return render_template("bio.html", bio=Markup(request.args["bio"]))


@app.route("/echo")
def echo():
    # ruleid: safegen.xss
    return make_response(request.args["msg"])


@app.route("/raw")
def raw():
    msg = request.args["msg"]
    # ruleid: safegen.xss
    return msg


@app.route("/user/<name>")
def user(name):
    # ruleid: safegen.xss
    return "<b>" + name + "</b>"


@app.route("/json")
def as_json():
    # ok: safegen.xss
    return jsonify({"msg": request.args["msg"]})


@app.route("/dict")
def as_dict():
    # ok: safegen.xss
    return {"msg": request.args["msg"]}


@app.route("/text")
def as_text():
    # ok: safegen.xss
    return Response(request.args["msg"], mimetype="text/plain")


@app.route("/template")
def template():
    # ok: safegen.xss
    return render_template("page.html", msg=request.args["msg"])


def plain_helper(name):
    # ok: safegen.xss
    return "<b>" + name + "</b>"
