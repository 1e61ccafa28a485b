import json
import os

CACHE_DIR = os.path.expanduser("~/.cache/myapp")


def load_session(session_id: str):
    """Load a saved session object from the cache directory."""
    with open(os.path.join(CACHE_DIR, "sessions.json"), encoding="utf-8") as handle:
        sessions = json.load(handle)
    return sessions.get(session_id)
