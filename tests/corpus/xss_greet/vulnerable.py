from flask import Flask, request

app = Flask(__name__)


@app.route("/hello")
def hello():
    """Greet the user by the name given in the query string."""
    name = request.args.get("name", "World")
    return f"<h1>Hello, {name}!</h1>"
