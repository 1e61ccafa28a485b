import random
import secrets
import string


def generate_token(length=32):
    # ruleid: safegen.weak-random-secret
    return "".join(random.choice(string.ascii_letters) for _ in range(length))


def make_password():
    # ruleid: safegen.weak-random-secret
    password = "".join(random.choices(string.ascii_letters, k=12))
    return password


def new_session():
    # ruleid: safegen.weak-random-secret
    session_id = "%032x" % random.getrandbits(128)
    return session_id


def generate_token_safely(length=32):
    # ok: safegen.weak-random-secret
    return "".join(secrets.choice(string.ascii_letters) for _ in range(length))


def send_login_code(user):
    # ruleid: safegen.weak-random-secret
    login_code = str(random.randint(100000, 999999))
    return user, login_code


def roll_dice():
    # ok: safegen.weak-random-secret
    return random.randint(1, 6)


def shuffle_deck(deck):
    # ok: safegen.weak-random-secret
    random.shuffle(deck)
    return deck


def generate_random_string(length):
    """Return an unpredictable random string of ASCII letters with the given length."""
    # ruleid: safegen.weak-random-secret
    return "".join(random.choice(string.ascii_letters) for _ in range(length))


def pick_colour(colours):
    """Pick a random colour for the chart."""
    # ok: safegen.weak-random-secret
    return random.choice(colours)
