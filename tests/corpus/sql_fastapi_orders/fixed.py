import sqlite3

from fastapi import FastAPI

app = FastAPI()


@app.get("/orders")
def list_orders(customer: str, status: str = "open"):
    """List the orders of one customer with the given status."""
    conn = sqlite3.connect("shop.db")
    rows = conn.execute(
        "SELECT id, total FROM orders WHERE customer = ? AND status = ?", (customer, status)
    ).fetchall()
    conn.close()
    return [{"id": r[0], "total": r[1]} for r in rows]
