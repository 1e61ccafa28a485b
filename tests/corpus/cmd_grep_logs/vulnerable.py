import os

LOG_FILE = "/var/log/app.log"


def search_logs(pattern):
    """Return the log lines that contain the given pattern."""
    output = os.popen("grep '%s' %s" % (pattern, LOG_FILE)).read()
    return output.splitlines()
