LOG_FILE = "/var/log/app.log"


def search_logs(pattern):
    """Return the log lines that contain the given pattern."""
    with open(LOG_FILE, encoding="utf-8", errors="replace") as handle:
        return [line.rstrip("\n") for line in handle if pattern in line]
