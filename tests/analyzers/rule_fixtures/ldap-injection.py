import ldap
import ldap.filter
from flask import Flask, request

app = Flask(__name__)


@app.route("/user")
def user():
    uid = request.args["uid"]
    conn = ldap.initialize("ldaps://ldap.example.com")
    # ruleid: safegen.ldap-injection
    conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, "(uid=" + uid + ")")
    safe = ldap.filter.escape_filter_chars(uid)
    # ok: safegen.ldap-injection
    conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, "(uid=" + safe + ")")
    return "ok"


def find(username):
    conn = ldap.initialize("ldaps://ldap.example.com")
    # ruleid: safegen.ldap-injection
    return conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(cn={username})")


def run_filter(conn_url, search_filter):
    conn = ldap.initialize(conn_url)
    # ok: safegen.ldap-injection
    return conn.search_s("dc=example,dc=com", ldap.SCOPE_SUBTREE, search_filter)
