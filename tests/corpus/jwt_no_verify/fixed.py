import os

import jwt


def get_user_id(token: str) -> int:
    """Return the user id stored in the JWT's sub claim."""
    claims = jwt.decode(token, os.environ["JWT_SECRET"], algorithms=["HS256"])
    return int(claims["sub"])
