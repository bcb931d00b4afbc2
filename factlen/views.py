from pathlib import PurePosixPath

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET
from django.views.static import serve

# What uploaded media may be served as: images only, by extension (the names
# are ours, stories.images), so nothing stored can ever be served as a page.
MEDIA_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
# A file opened on its own can run nothing and load nothing.
MEDIA_POLICY = "default-src 'none'; sandbox"


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page declares.

    Resolved per request, not at import: the hashed static name exists only
    after collectstatic, and URL modules load before it (during migrate).
    """
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Disallow: /search/",
        "Disallow: /newsletter/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap-index'))}",
        f"Sitemap: {request.build_absolute_uri(reverse('news-sitemap'))}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_GET
def media(request, path):
    """Uploaded media from MEDIA_ROOT, for development (`runserver` under
    DEBUG); in production the proxy serves /media/ (Caddyfile), with the same
    rules: images only, their own content type, no sniffing, sandboxed."""
    content_type = MEDIA_TYPES.get(PurePosixPath(path).suffix.lower())
    if content_type is None:
        raise Http404("Not an image.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_POLICY
    return response
