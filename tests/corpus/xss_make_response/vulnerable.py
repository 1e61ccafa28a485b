from flask import Flask, make_response, request

app = Flask(__name__)


@app.route("/search")
def search():
    """Echo the search query on the results page."""
    query = request.args.get("q", "")
    body = "<html><body><h2>Results for: %s</h2><p>No results.</p></body></html>" % query
    response = make_response(body)
    response.headers["Content-Type"] = "text/html"
    return response
