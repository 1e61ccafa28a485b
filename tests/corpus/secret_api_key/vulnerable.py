import requests

API_KEY = "sk_live_51H8aQ2eZvKYlo2C9x7Yb3Jd"
BASE_URL = "https://api.payments.example.com/v1"


def list_charges(limit: int = 10) -> list:
    """Return the most recent charges from the payments API."""
    response = requests.get(
        f"{BASE_URL}/charges",
        params={"limit": limit},
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()["data"]
