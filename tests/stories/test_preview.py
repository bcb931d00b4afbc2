import datetime
import re

import pytest
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from stories.models import PREVIEW_LINK_LIFETIME, PreviewLink, Story

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(draft_story, editor):
    return PreviewLink.objects.create(story=draft_story, created_by=editor)


def test_staff_preview_any_story_as_a_reader_would_see_it(client, draft_story, editor):
    assert client.get(f"/preview/{draft_story.pk}/").status_code == 302  # to the login
    client.force_login(editor)
    html = client.get(f"/preview/{draft_story.pk}/").content.decode()
    assert "Preview — not published." in html
    assertInHTML('<meta name="robots" content="noindex, nofollow">', html, count=1)
    assertInHTML(f"<h1>{draft_story.title}</h1>", html, count=1)


def test_a_share_link_opens_the_latest_saved_story_read_only(client, link, draft_story):
    Story.objects.filter(pk=draft_story.pk).update(title="Saved after the link was made")
    response = client.get(link.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assertInHTML("<h1>Saved after the link was made</h1>", html, count=1)
    assert "Preview — not published." in html
    assertInHTML('<meta name="robots" content="noindex, nofollow">', html, count=1)
    assert client.post(link.get_absolute_url()).status_code == 200  # nothing to change there


def test_share_links_expire_after_seven_days_by_default(client, link):
    assert link.expires_at - link.created_at == pytest.approx(
        PREVIEW_LINK_LIFETIME, abs=datetime.timedelta(seconds=5)
    )
    PreviewLink.objects.filter(pk=link.pk).update(expires_at=timezone.now())
    response = client.get(link.get_absolute_url())
    assert response.status_code == 404
    assert "This preview link no longer works" in response.content.decode()


def test_a_revoked_share_link_stops_working(client, link, editor):
    client.force_login(editor)
    response = client.post(f"/admin/stories/story/{link.story_id}/share/{link.pk}/revoke/")
    assert response.status_code == 302
    client.logout()
    assert client.get(link.get_absolute_url()).status_code == 404


def test_a_tampered_share_link_is_refused(client, link):
    url = link.get_absolute_url()
    token = url.rstrip("/").rsplit("/", 1)[1]
    forged = token.replace(token[0], "9" if token[0] != "9" else "8", 1)
    assert client.get(url.replace(token, forged)).status_code == 404
    other = PreviewLink.objects.create(story=link.story)
    tampered = url.replace(token, str(other.pk) + token[token.index(":") :])
    assert client.get(tampered).status_code == 404


def test_an_editor_makes_a_share_link_from_the_story_page(client, draft_story, editor):
    client.force_login(editor)
    response = client.post(f"/admin/stories/story/{draft_story.pk}/share/", follow=True)
    html = response.content.decode()
    match = re.search(r"(http://testserver/preview/shared/[^/\s<]+/)", html)
    assert match, "the new link is shown to the editor"
    client.logout()
    assert client.get(match.group(1)).status_code == 200


def test_a_writer_cannot_make_share_links(client, draft_story, writer):
    draft_story.owner = writer
    draft_story.save()
    client.force_login(writer)
    assert client.post(f"/admin/stories/story/{draft_story.pk}/share/").status_code == 403
    assert not PreviewLink.objects.exists()
