import random
import time

CODES = {}


def send_login_code(user_id: int, send_sms) -> None:
    """Text a 6-digit login code to the user; it is valid for five minutes."""
    code = str(random.randint(100000, 999999))
    CODES[user_id] = (code, time.time() + 300)
    send_sms(user_id, f"Your login code is {code}")
