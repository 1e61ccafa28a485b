from django.http import JsonResponse

from .models import Article


def search_articles(request):
    """Return articles whose title matches the q parameter."""
    query = request.GET.get("q", "")
    articles = Article.objects.filter(title__icontains=query)
    return JsonResponse({"titles": [a.title for a in articles]})
