"""NUL and other odd bytes in every query parameter and form field: never a 500.

The pages and forms are found by crawling the public site and the admin from
their front pages (plus the addresses no page links to), so a new view or
form is tried without being listed here. Runs on whichever database the
suite runs on; PostgreSQL is the one that refuses NUL.
"""

import datetime
from urllib.parse import quote, urlsplit

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from newsletter import tokens
from stories.models import Correction, PreviewLink

from ..factories import StoryFactory, SubscriberFactory, UserFactory, complete_story
from .crawl import crawl

pytestmark = pytest.mark.django_db

# As they arrive on the wire, percent-encoded: NUL, NUL inside text, bytes that
# are not UTF-8, an encoded surrogate, an overlong NUL, controls, bidi marks.
ODD = ["%00", "a%00b", "%FF%FE%ED%A0%80%C0%80", "%1B%5B0m%7F%08%E2%80%AE%EF%BB%BF"]
EXTRA = {"q", "page", "topic", "term", "next", "o", "p", "old", "new"}


def keep(name):
    """Fields sent as the page gave them, so the form gets as far as the others."""
    return name == "csrfmiddlewaretoken" or name.endswith("FORMS")


@pytest.fixture
def site(topic):
    story = complete_story(topic=topic, slug="open-weights", title="Open weights debate")
    draft = StoryFactory(topic=topic, draft=True)
    Correction.objects.create(story=story, kind="correction", text="A date was wrong.")
    editor = UserFactory(username="odd-editor", is_staff=True, is_superuser=True)
    story.published_at = timezone.now() - datetime.timedelta(hours=2)
    story.save()
    reader = SubscriberFactory(topics=[topic])
    link = PreviewLink.objects.create(story=draft, created_by=editor)
    return {
        "editor": editor,
        "unlinked": [
            "/feeds/rss/",
            "/feeds/ai/atom/",
            "/sitemap.xml",
            "/sitemap-news.xml",
            "/sitemap-stories.xml",
            "/robots.txt",
            "/newsletter/subscribe/",
            f"/newsletter/confirm/{tokens.confirm_token(reader)}/",
            f"/newsletter/manage/{tokens.manage_token(reader)}/",
            f"/newsletter/unsubscribe/{tokens.manage_token(reader)}/",
            link.get_absolute_url(),
            f"/preview/{draft.pk}/",
            "/admin/autocomplete/?app_label=stories&model_name=citation&field_name=source",
            f"/admin/stories/story/{story.pk}/history/",
            f"/admin/stories/story/{story.pk}/transition/publish/",
        ],
    }


def try_everything(client, starts):
    pages, forms = crawl(client, starts)
    assert len(pages) > 10 and forms, "the crawl found too little to be a test"
    failures = []

    def attempt(method, path, body):
        cache.clear()  # or the sign-up's rate limit would answer instead of the form
        if method == "get":
            response = client.get(path, QUERY_STRING=body)
        else:
            response = client.post(path, body, content_type="application/x-www-form-urlencoded")
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {path} {body[:120]} → {response.status_code}")

    # Every parameter and field at once, for each odd value: a NUL anywhere is
    # refused before any view runs, and the other bytes go through whole.
    for path, names in pages.items():
        for odd in ODD:
            attempt("get", path, "&".join(f"{name}={odd}" for name in sorted(names | EXTRA)))
    for form in forms:
        for odd in ODD:
            body = "&".join(
                f"{quote(name)}={quote(value) if keep(name) else odd}"
                for name, kind, value in form.fields
            )
            attempt(form.method, urlsplit(form.action).path, body)
    return pages, forms, failures


def test_odd_bytes_in_any_parameter_or_field_of_public_and_admin_pages_never_answer_500(site):
    client = Client(raise_request_exception=False)
    client.force_login(site["editor"])  # staff see every public page too, and previews
    pages, forms, failures = try_everything(client, ["/", "/admin/", *site["unlinked"]])
    assert len(pages) >= 40 and len(forms) >= 20, (len(pages), len(forms))
    for path in (
        "/search/",
        "/ai/open-weights/",
        "/admin/stories/story/",
        "/admin/axes/accessattempt/",
    ):
        assert path in pages
    assert failures == [], "\n".join(failures)


def test_a_nul_character_is_refused_naming_where_it_was(client):
    response = client.get("/search/", QUERY_STRING="q=wind%00power")
    assert response.status_code == 400
    assert "query parameter “q” holds a NUL character" in response.content.decode()
    response = client.post("/newsletter/subscribe/", {"email": "a@example.org", "website\x00": ""})
    assert response.status_code == 400
    assert "form field “website␀”" in response.content.decode()
    client.cookies["sessionid"] = "abcdefgh\x00"
    assert "cookie “sessionid”" in client.get("/").content.decode()
