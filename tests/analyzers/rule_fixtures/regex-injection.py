import re

from flask import Flask, request

app = Flask(__name__)


@app.route("/grep")
def grep():
    pattern = request.args["q"]
    # ruleid: safegen.regex-injection
    hits = [line for line in LINES if re.search(pattern, line)]
    # ok: safegen.regex-injection
    literal = [line for line in LINES if re.search(re.escape(pattern), line)]
    # ok: safegen.regex-injection
    digits = re.findall(r"\d+", pattern)
    return str((hits, literal, digits))
