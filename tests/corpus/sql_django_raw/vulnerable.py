from django.http import JsonResponse

from .models import Article


def search_articles(request):
    """Return articles whose title matches the q parameter."""
    query = request.GET.get("q", "")
    articles = Article.objects.raw(f"SELECT * FROM blog_article WHERE title LIKE '%%{query}%%'")
    return JsonResponse({"titles": [a.title for a in articles]})
