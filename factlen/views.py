from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET


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
