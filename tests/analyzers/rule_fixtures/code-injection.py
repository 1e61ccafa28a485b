import ast

from flask import Flask, request

app = Flask(__name__)


def calculate(expression):
    # ruleid: safegen.code-injection
    return eval(expression)


def run_script(source):
    # ruleid: safegen.code-injection
    exec(source, {})


@app.route("/calc")
def calc():
    # ruleid: safegen.code-injection
    return str(eval(request.args["expr"]))


def parse_literal(text):
    # ok: safegen.code-injection
    return ast.literal_eval(text)


def constant():
    # ok: safegen.code-injection
    return eval("1 + 1")


def cli():
    # ruleid: safegen.code-injection
    print(eval(input("> ")))
    # ok: safegen.code-injection
    print(int(input("> ")) * 2)
