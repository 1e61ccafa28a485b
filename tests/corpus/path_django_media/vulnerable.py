import os

from django.conf import settings
from django.http import FileResponse, Http404


def serve_attachment(request):
    """Serve an attachment from MEDIA_ROOT by the name given in ?name=."""
    name = request.GET.get("name", "")
    path = os.path.join(settings.MEDIA_ROOT, "attachments", name)
    if not os.path.exists(path):
        raise Http404("not found")
    return FileResponse(open(path, "rb"))
