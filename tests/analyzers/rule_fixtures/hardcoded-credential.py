import os
import smtplib

import psycopg2
import requests
from sqlalchemy import create_engine

# ruleid: safegen.hardcoded-credential
API_KEY = "a1b2c3d4e5f6g7h8"
# ok: safegen.hardcoded-credential
API_KEY_ENV = "PAYMENTS_API_KEY"
# ok: safegen.hardcoded-credential
TOKEN_URL = "https://auth.example.com/token"
# ok: safegen.hardcoded-credential
api_key = os.environ["API_KEY"]
config = {}
# ruleid: safegen.hardcoded-credential
config["SECRET_KEY"] = "dev-secret-123"


def connect():
    # ruleid: safegen.hardcoded-credential
    return psycopg2.connect(host="db", user="app", password="hunter2!")


def connect_env():
    # ok: safegen.hardcoded-credential
    return psycopg2.connect(host="db", user="app", password=os.environ["DB_PASSWORD"])


def mail():
    with smtplib.SMTP("smtp.example.com") as server:
        # ruleid: safegen.hardcoded-credential
        server.login("me@example.com", "Summer2024!")


def engine():
    # ruleid: safegen.hardcoded-credential
    return create_engine("postgresql://admin:s3cret@localhost/app")


def engine_env():
    # ok: safegen.hardcoded-credential
    return create_engine(os.environ["DATABASE_URL"])


def call():
    # ruleid: safegen.hardcoded-credential
    return requests.get("https://api.example.com", auth=("user", "pa55word"), timeout=5)


def token_type():
    # ok: safegen.hardcoded-credential
    token = "bearer"
    return token
