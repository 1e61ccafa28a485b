import psycopg2


def get_connection():
    """Open a connection to the reporting database."""
    return psycopg2.connect(
        host="db.internal",
        dbname="reports",
        user="report_user",
        password="Xk9#mP2vQ7!",
    )
