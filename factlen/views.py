from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page declares.

    Resolved per request, not at import: the hashed static name exists only
    after collectstatic, and URL modules load before it (during migrate).
    """
    return HttpResponsePermanentRedirect(static("favicon.svg"))
