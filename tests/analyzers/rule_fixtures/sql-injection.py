import sqlite3

from flask import Flask, request

app = Flask(__name__)
SORT_COLUMNS = {"name": "name", "price": "price"}


@app.route("/user")
def user():
    name = request.args["name"]
    conn = sqlite3.connect("app.db")
    # ruleid: safegen.sql-injection
    conn.execute(f"SELECT * FROM users WHERE name = '{name}'")
    # ok: safegen.sql-injection
    conn.execute("SELECT * FROM users WHERE name = ?", (name,))
    return "ok"


def find_user(cursor, username):
    query = "SELECT * FROM users WHERE username = '%s'" % username
    # ruleid: safegen.sql-injection
    cursor.execute(query)


def delete(cursor, item_id):
    # ruleid: safegen.sql-injection
    cursor.execute("DELETE FROM items WHERE id = " + str(item_id))
    # ok: safegen.sql-injection
    cursor.execute("DELETE FROM items WHERE id = %d" % int(item_id))


def search(cursor, term, order):
    column = SORT_COLUMNS.get(order, "name")
    # ok: safegen.sql-injection
    cursor.execute("SELECT * FROM products WHERE name LIKE ? ORDER BY " + column, (f"%{term}%",))
    # ruleid: safegen.sql-injection
    cursor.executemany("INSERT INTO log VALUES ('{}')".format(term), [])


def run_query(cursor, sql, params=()):
    # ok: safegen.sql-injection
    return cursor.execute(sql, params).fetchall()


def by_status(cursor, status):
    if status not in ("open", "closed"):
        raise ValueError(status)
    # ok: safegen.sql-injection
    cursor.execute("SELECT * FROM orders WHERE status = '" + status + "'")


def articles(request):
    q = request.GET.get("q", "")
    # ruleid: safegen.sql-injection
    return Article.objects.raw("SELECT * FROM article WHERE title = '" + q + "'")
