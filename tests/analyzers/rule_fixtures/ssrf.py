import urllib.request
from urllib.parse import urlparse

import requests
from flask import Flask, abort, request

app = Flask(__name__)
ALLOWED_HOSTS = {"api.example.com"}


@app.route("/fetch")
def fetch():
    url = request.args["url"]
    # ruleid: safegen.ssrf
    return requests.get(url, timeout=5).text


@app.route("/fetch2")
def fetch2():
    url = request.args["url"]
    parsed = urlparse(url)
    if parsed.hostname not in ALLOWED_HOSTS:
        abort(400)
    # ok: safegen.ssrf
    return requests.get(url, timeout=5).text


@app.route("/hook", methods=["POST"])
def hook():
    callback = request.get_json()["callback"]
    # ruleid: safegen.ssrf
    with urllib.request.urlopen(callback, timeout=5) as response:
        return response.read()


@app.route("/status")
def status():
    # ok: safegen.ssrf
    return requests.get("https://status.example.com/api", timeout=5).text


def download(url):
    # ok: safegen.ssrf
    return requests.get(url, timeout=5).content


@app.route("/proxy")
async def proxy():
    import httpx

    target = request.args["target"]
    cache = {}
    async with httpx.AsyncClient(timeout=5) as client:
        # ruleid: safegen.ssrf
        response = await client.get(target)
    # ok: safegen.ssrf
    cached = cache.get(target)
    return response.text + str(cached)
