from flask import Flask, request
from markupsafe import escape

app = Flask(__name__)


@app.route("/tags")
def tags():
    """Render the selected tags as an HTML list."""
    html = "<ul>"
    for tag in request.args.getlist("tag"):
        html += f"<li>{escape(tag)}</li>"
    html += "</ul>"
    return html
