import os

import requests

BASE_URL = "https://api.payments.example.com/v1"


def list_charges(limit: int = 10) -> list:
    """Return the most recent charges from the payments API."""
    api_key = os.environ["PAYMENTS_API_KEY"]
    response = requests.get(
        f"{BASE_URL}/charges",
        params={"limit": limit},
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["data"]
