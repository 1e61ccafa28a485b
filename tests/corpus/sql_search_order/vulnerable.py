import sqlite3


def search_products(db_path, term, order_by="name"):
    """Search products whose name contains term, sorted by the given column."""
    conn = sqlite3.connect(db_path)
    try:
        sql = "SELECT id, name, price FROM products WHERE name LIKE '%{}%' ORDER BY {}".format(term, order_by)
        return conn.execute(sql).fetchall()
    finally:
        conn.close()
