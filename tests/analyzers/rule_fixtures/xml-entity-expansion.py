import xml.etree.ElementTree as ET

import defusedxml.ElementTree as SafeET
from flask import Flask, request

app = Flask(__name__)


@app.route("/xml", methods=["POST"])
def parse():
    # ruleid: safegen.xml-entity-expansion
    root = ET.fromstring(request.data)
    # ok: safegen.xml-entity-expansion
    safe = SafeET.fromstring(request.data)
    return root.tag + safe.tag


def parse_config(path):
    # ok: safegen.xml-entity-expansion
    return ET.parse(path)
