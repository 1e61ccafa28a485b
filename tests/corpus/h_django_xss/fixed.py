from django.http import HttpResponse
from django.utils.html import escape


def search(request):
    """Show what the user searched for."""
    query = request.GET.get("q", "")
    return HttpResponse(f"<h1>Search</h1><p>You searched for: {escape(query)}</p>")
