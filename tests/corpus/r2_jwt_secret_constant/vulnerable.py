import datetime

import jwt

SECRET = "my-jwt-signing-secret"


def issue_token(user_id: int) -> str:
    """Create a JWT for the user, valid for one hour."""
    payload = {"sub": str(user_id), "exp": datetime.datetime.utcnow() + datetime.timedelta(hours=1)}
    return jwt.encode(payload, SECRET, algorithm="HS256")
