from django.http import HttpResponseRedirect


def logout_view(request):
    """Log out and redirect to the URL given in ?return_to=."""
    request.session.flush()
    return HttpResponseRedirect(request.GET.get("return_to", "/"))
