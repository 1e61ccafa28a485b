from flask import Flask, request

app = Flask(__name__)


@app.route("/tags")
def tags():
    """Render the selected tags as an HTML list."""
    html = "<ul>"
    for tag in request.args.getlist("tag"):
        html += f"<li>{tag}</li>"
    html += "</ul>"
    return html
