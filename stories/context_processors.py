from django.conf import settings
from django.utils.functional import SimpleLazyObject

from factlen.caching import code_version, content_state

from .models import live_topics


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_TAGLINE": settings.SITE_TAGLINE,
        # Every page's description unless it has its own; the home page's for sharing.
        "SITE_DESCRIPTION": f"{settings.SITE_NAME}: {settings.SITE_TAGLINE} Every story with its "
        "competing viewpoints side by side and every claim backed by a named source.",
        # Lazy: only pages that show the topic navigation read it.
        "nav_topics": SimpleLazyObject(live_topics),
        # What kept fragments of the page are keyed by (factlen/caching.py).
        "CONTENT_VERSION": SimpleLazyObject(lambda: content_state().version),
        "CODE_VERSION": code_version(),
    }
