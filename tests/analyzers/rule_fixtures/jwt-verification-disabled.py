import os

import jwt


def claims(token):
    # ruleid: safegen.jwt-verification-disabled
    unverified = jwt.decode(token, options={"verify_signature": False})
    # ruleid: safegen.jwt-verification-disabled
    none_alg = jwt.decode(token, "", algorithms=["none"])
    # ok: safegen.jwt-verification-disabled
    verified = jwt.decode(token, os.environ["JWT_SECRET"], algorithms=["HS256"])
    return unverified, none_alg, verified
