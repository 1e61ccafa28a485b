import os

from django.conf import settings
from django.http import FileResponse, Http404


def serve_attachment(request):
    """Serve an attachment from MEDIA_ROOT by the name given in ?name=."""
    name = os.path.basename(request.GET.get("name", ""))
    root = os.path.join(settings.MEDIA_ROOT, "attachments")
    path = os.path.join(root, name)
    if not name or not os.path.isfile(path):
        raise Http404("not found")
    return FileResponse(open(path, "rb"))
