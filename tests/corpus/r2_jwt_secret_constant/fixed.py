import datetime
import os

import jwt


def issue_token(user_id: int) -> str:
    """Create a JWT for the user, valid for one hour."""
    payload = {"sub": str(user_id), "exp": datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)}
    return jwt.encode(payload, os.environ["JWT_SECRET"], algorithm="HS256")
