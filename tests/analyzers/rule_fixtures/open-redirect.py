from urllib.parse import urlparse

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from flask import Flask, redirect, request, url_for

app = Flask(__name__)
api = FastAPI()
ALLOWED = {"/home", "/docs"}


@app.route("/login")
def login():
    # ruleid: safegen.open-redirect
    return redirect(request.args.get("next"))


@app.route("/login2")
def login2():
    target = request.args.get("next", "/")
    if urlparse(target).netloc:
        target = url_for("index")
    # ok: safegen.open-redirect
    return redirect(target)


@app.route("/login3")
def login3():
    target = request.args.get("next", "/")
    if not is_safe_url(target):
        target = "/"
    # ok: safegen.open-redirect
    return redirect(target)


@app.route("/home")
def home():
    # ok: safegen.open-redirect
    return redirect(url_for("index"))


def logout(request):
    # ruleid: safegen.open-redirect
    return HttpResponseRedirect(request.GET["return_to"])


def logout2(request):
    target = request.GET.get("return_to", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    # ok: safegen.open-redirect
    return HttpResponseRedirect(target)


@api.get("/go")
def go(url: str):
    # ruleid: safegen.open-redirect
    return RedirectResponse(url=url)


@api.get("/go2")
def go2(url: str):
    if url not in ALLOWED:
        raise ValueError(url)
    # ok: safegen.open-redirect
    return RedirectResponse(url)
