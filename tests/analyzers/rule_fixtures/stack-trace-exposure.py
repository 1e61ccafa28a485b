import logging
import traceback

from flask import Flask, jsonify

app = Flask(__name__)


@app.route("/a")
def a():
    try:
        return jsonify(result=1 / 0)
    except ZeroDivisionError:
        # ruleid: safegen.stack-trace-exposure
        return jsonify(error=traceback.format_exc()), 500


@app.route("/b")
def b():
    try:
        return jsonify(result=1 / 0)
    except ZeroDivisionError:
        logging.getLogger(__name__).error(traceback.format_exc())
        # ok: safegen.stack-trace-exposure
        return jsonify(error="internal error"), 500


@app.route("/c")
def c():
    try:
        return str(1 / 0)
    except ZeroDivisionError:
        # ruleid: safegen.stack-trace-exposure
        return traceback.format_exc()
