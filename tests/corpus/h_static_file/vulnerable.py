import os

from flask import Flask, Response, request

app = Flask(__name__)


@app.route("/asset")
def asset():
    """Serve a file from the static folder with a long cache lifetime."""
    filename = request.args["f"]
    with open(os.path.join(app.root_path, "static", filename), "rb") as handle:
        data = handle.read()
    return Response(data, headers={"Cache-Control": "max-age=86400"})
