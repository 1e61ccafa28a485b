import jwt


def get_user_id(token: str) -> int:
    """Return the user id stored in the JWT's sub claim."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return int(claims["sub"])
