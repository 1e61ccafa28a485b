import requests


def make_session(token: str) -> requests.Session:
    """A session for the internal API, which uses a self-signed certificate."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    session.verify = False
    return session
