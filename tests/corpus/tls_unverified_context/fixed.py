import json
import ssl
import urllib.request


def fetch_status(url="https://status.example.com/api/status.json"):
    """Download the service status JSON."""
    context = ssl.create_default_context()
    with urllib.request.urlopen(url, context=context, timeout=10) as response:
        return json.load(response)
