import random
import time

SESSIONS = {}


def create_session(user_id: int) -> str:
    """Create a new session for the user and return its id."""
    session_id = "%032x" % random.getrandbits(128)
    SESSIONS[session_id] = {"user": user_id, "created": time.time()}
    return session_id
