import sqlite3

SORTABLE_COLUMNS = {"name": "name", "price": "price", "id": "id"}


def search_products(db_path, term, order_by="name"):
    """Search products whose name contains term, sorted by the given column."""
    column = SORTABLE_COLUMNS.get(order_by)
    if column is None:
        raise ValueError(f"cannot sort by {order_by!r}")
    conn = sqlite3.connect(db_path)
    try:
        sql = "SELECT id, name, price FROM products WHERE name LIKE ? ORDER BY " + column
        return conn.execute(sql, (f"%{term}%",)).fetchall()
    finally:
        conn.close()
