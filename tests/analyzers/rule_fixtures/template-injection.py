from flask import Flask, render_template_string, request
from jinja2 import Template

app = Flask(__name__)


@app.route("/hello")
def hello():
    name = request.args.get("name", "")
    # ruleid: safegen.template-injection
    return render_template_string("<p>Hello " + name + "</p>")


@app.route("/hello2")
def hello2():
    # ok: safegen.template-injection
    return render_template_string("<p>Hello {{ name }}</p>", name=request.args.get("name", ""))


@app.route("/custom")
def custom():
    # ruleid: safegen.template-injection
    return Template(request.form["template"]).render()
