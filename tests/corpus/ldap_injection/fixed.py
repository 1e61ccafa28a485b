import ldap
import ldap.filter
from flask import Flask, request

app = Flask(__name__)


@app.route("/user")
def find_user():
    """Look up a user in the directory by uid."""
    uid = ldap.filter.escape_filter_chars(request.args.get("uid", ""))
    conn = ldap.initialize("ldaps://ldap.example.com")
    results = conn.search_s("ou=people,dc=example,dc=com", ldap.SCOPE_SUBTREE, f"(uid={uid})")
    return {"found": len(results)}
