import requests


def get_inventory(api_url: str, token: str) -> dict:
    """Fetch the inventory JSON from the internal API."""
    response = requests.get(
        f"{api_url}/inventory",
        headers={"Authorization": f"Token {token}"},
        verify=False,
        timeout=30,
    )
    response.raise_for_status()
    return response.json()
