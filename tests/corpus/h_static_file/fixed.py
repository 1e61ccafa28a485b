from flask import Flask, request, send_from_directory

app = Flask(__name__)


@app.route("/asset")
def asset():
    """Serve a file from the static folder with a long cache lifetime."""
    response = send_from_directory(app.static_folder, request.args["f"])
    response.headers["Cache-Control"] = "max-age=86400"
    return response
