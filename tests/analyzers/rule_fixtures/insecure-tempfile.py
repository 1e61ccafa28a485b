import tempfile


def scratch():
    # ruleid: safegen.insecure-tempfile
    name = tempfile.mktemp(suffix=".txt")
    # ok: safegen.insecure-tempfile
    handle = tempfile.NamedTemporaryFile(suffix=".txt")
    # ok: safegen.insecure-tempfile
    fd, path = tempfile.mkstemp()
    return name, handle, fd, path
