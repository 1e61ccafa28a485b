import psycopg2


def delete_item(dsn, item_id):
    """Delete the item with the given id from the inventory table."""
    with psycopg2.connect(dsn) as conn:
        with conn.cursor() as cur:
            cur.execute("DELETE FROM inventory WHERE id = %s", (item_id,))
        conn.commit()
