from flask import Flask, render_template, request
from markupsafe import Markup, escape

app = Flask(__name__)


@app.route("/profile")
def profile():
    """Render the profile page with the user's bio in bold."""
    bio = request.args.get("bio", "")
    return render_template("profile.html", bio=Markup("<b>%s</b>") % escape(bio))
