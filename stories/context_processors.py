from django.conf import settings

from .models import Topic


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_TAGLINE": settings.SITE_TAGLINE,
        # Lazy: only pages that show the topic navigation run the query.
        "nav_topics": Topic.objects.with_published_stories(),
    }
