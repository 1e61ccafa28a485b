import hashlib
import hmac


def verify(secret, body, signature):
    # ruleid: safegen.timing-unsafe-compare
    return hmac.new(secret, body, hashlib.sha256).hexdigest() == signature


def verify2(secret, body, signature):
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    # ruleid: safegen.timing-unsafe-compare
    if signature != expected:
        return False
    # ok: safegen.timing-unsafe-compare
    return hmac.compare_digest(expected, signature)


def same_length(a, b):
    # ok: safegen.timing-unsafe-compare
    return len(a) == len(b)
