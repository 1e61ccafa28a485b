from flask import Flask, render_template_string, request

app = Flask(__name__)


@app.route("/comment", methods=["POST"])
def comment():
    """Show the submitted comment back to the user."""
    text = request.form.get("comment", "")
    page = "<html><body><p>Your comment:</p><p>" + text + "</p></body></html>"
    return render_template_string(page)
