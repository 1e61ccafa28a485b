import sqlite3


def get_user_by_name(conn: sqlite3.Connection, username: str):
    """Return the user row with the given username, or None."""
    cursor = conn.cursor()
    cursor.execute("SELECT id, username, email FROM users WHERE username = ?", (username,))
    return cursor.fetchone()
