import os

from flask import Flask

app = Flask(__name__)

if __name__ == "__main__":
    # ruleid: safegen.debug-enabled
    app.run(host="127.0.0.1", debug=True)
    # ok: safegen.debug-enabled
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
    # ok: safegen.debug-enabled
    app.run(debug=False)
