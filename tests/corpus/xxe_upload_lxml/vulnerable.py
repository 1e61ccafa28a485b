from flask import Flask, request
from lxml import etree

app = Flask(__name__)


@app.route("/upload-xml", methods=["POST"])
def upload_xml():
    """Parse the uploaded XML document (entities expanded) and return its root tag."""
    parser = etree.XMLParser(load_dtd=True, no_network=False)
    document = etree.parse(request.files["document"], parser)
    return {"root": document.getroot().tag}
