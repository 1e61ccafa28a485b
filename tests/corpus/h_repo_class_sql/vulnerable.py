import sqlite3


class ProductRepository:
    """Data access for the products table."""

    def __init__(self, path: str):
        self.conn = sqlite3.connect(path)

    def search(self, term: str):
        cursor = self.conn.cursor()
        cursor.execute("SELECT id, name FROM products WHERE name LIKE '%" + term + "%'")
        return cursor.fetchall()
