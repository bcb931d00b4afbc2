from django.urls import URLPattern, URLResolver, get_resolver

from stories.models import RESERVED_TOPIC_SLUGS


def first_segments(patterns):
    for pattern in patterns:
        route = str(pattern.pattern).lstrip("^")
        segment = route.split("/")[0]
        if segment and "<" not in segment:
            yield segment.rstrip("$")
        elif not segment and isinstance(pattern, URLResolver):
            yield from first_segments(pattern.url_patterns)
        elif not segment:
            assert isinstance(pattern, URLPattern)


def test_every_site_path_is_reserved_from_topic_slugs():
    """A topic named like a site path would hide that page (or be hidden by it)."""
    segments = set(first_segments(get_resolver().url_patterns))
    assert "admin" in segments
    assert segments <= RESERVED_TOPIC_SLUGS, segments - RESERVED_TOPIC_SLUGS


def test_favicon_ico_redirects_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
