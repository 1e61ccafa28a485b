import hashlib
import hmac


def verify_webhook(secret: bytes, body: bytes, signature: str) -> bool:
    """Check the X-Signature header of an incoming webhook."""
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
