import os

# ruleid: safegen.insecure-umask
os.umask(0)
# ok: safegen.insecure-umask
os.umask(0o077)
# ok: safegen.insecure-umask
os.umask(0o022)
