import defusedxml.ElementTree as ET
from flask import Flask, request

app = Flask(__name__)


@app.route("/upload-xml", methods=["POST"])
def upload_xml():
    """Parse the uploaded XML document and return the name of its root element."""
    document = ET.parse(request.files["document"])
    return {"root": document.getroot().tag}
