from pathlib import Path

from flask import Flask, abort, request

app = Flask(__name__)
DOCS = Path("/srv/docs")


@app.route("/docs")
def show_doc():
    """Return the text of a documentation page."""
    page = request.args.get("page", "index.md")
    target = DOCS / page
    if not target.exists():
        abort(404)
    return target.read_text(), 200, {"Content-Type": "text/plain"}
