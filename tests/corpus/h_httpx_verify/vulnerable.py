import httpx


def fetch_invoices(base_url: str, token: str) -> list:
    """Download the invoice list from the billing service."""
    with httpx.Client(base_url=base_url, verify=False, timeout=10) as client:
        response = client.get("/invoices", headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()
        return response.json()
