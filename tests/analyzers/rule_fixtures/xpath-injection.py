from flask import Flask, request
from lxml import etree

app = Flask(__name__)


def find_email(tree, username):
    # ruleid: safegen.xpath-injection
    return tree.xpath("//user[@name='" + username + "']/email/text()")


def find_email_safely(tree, username):
    # ok: safegen.xpath-injection
    return tree.xpath("//user[@name=$name]/email/text()", name=username)


@app.route("/user")
def user():
    root = etree.parse("users.xml")
    # ruleid: safegen.xpath-injection
    return str(root.findall(".//user[@id='" + request.args["id"] + "']"))


def title_position(page_text, marker):
    # ok: safegen.xpath-injection
    return page_text.find(marker + "<title>")
