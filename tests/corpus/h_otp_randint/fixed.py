import secrets
import time

CODES = {}


def send_login_code(user_id: int, send_sms) -> None:
    """Text a 6-digit login code to the user; it is valid for five minutes."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    CODES[user_id] = (code, time.time() + 300)
    send_sms(user_id, f"Your login code is {code}")
