import os
import pickle

CACHE_DIR = os.path.expanduser("~/.cache/myapp")


def load_session(session_id: str):
    """Load a saved session object from the cache directory."""
    with open(os.path.join(CACHE_DIR, "sessions.db"), "rb") as handle:
        sessions = pickle.load(handle)
    return sessions.get(session_id)
