"""Pages for one person (previews, share links, staff and newsletter token pages)
are never kept by a browser's or anyone else's cache."""

import pytest

from newsletter import tokens
from stories.models import PreviewLink

from .factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def assert_never_cached(response):
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives, response["Cache-Control"]


def test_previews_and_share_links_are_never_cached(client, editor_client, editor, draft_story):
    assert_never_cached(editor_client.get(f"/preview/{draft_story.pk}/"))
    link = PreviewLink.objects.create(story=draft_story, created_by=editor)
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    assert_never_cached(response)
    assert_never_cached(client.get("/preview/shared/not-a-token/"))


def test_staff_pages_are_never_cached(editor_client, draft_story):
    for url in ("/admin/", f"/admin/stories/story/{draft_story.pk}/change/", "/admin/login/"):
        assert_never_cached(editor_client.get(url))


def test_newsletter_token_pages_are_never_cached(client, topic):
    reader = SubscriberFactory(topics=[topic])
    manage = tokens.manage_token(reader)
    for url in (
        f"/newsletter/confirm/{tokens.confirm_token(reader)}/",
        f"/newsletter/manage/{manage}/",
        f"/newsletter/unsubscribe/{manage}/",
        "/newsletter/manage/not-a-token/",
    ):
        assert_never_cached(client.get(url))


def test_public_pages_are_left_to_the_page_cache(client, published_story):
    assert "no-store" not in client.get(published_story.get_absolute_url()).get("Cache-Control", "")
