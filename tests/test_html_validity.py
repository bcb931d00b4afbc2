"""Every kind of public page is valid HTML, as the Nu HTML Checker (vnu, the
W3C's validator) reads it: zero errors.

vnu is the npm package vnu-jar and runs on Java. Without Java or `npm ci` the
test is skipped, saying which, except where E2E_REQUIRED is set (CI).
"""

import json
import os
import shutil
import subprocess

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from newsletter import tokens
from newsletter.models import Subscriber
from stories.models import Correction, OpenQuestion, Story

from .factories import SubscriberFactory

VNU = settings.BASE_DIR / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def missing():
    gaps = []
    if not shutil.which("java"):
        gaps.append("Java (apt-get install default-jre-headless)")
    if not VNU.exists():
        gaps.append("vnu-jar (npm ci)")
    return gaps


@pytest.fixture
def checker():
    gaps = missing()
    if gaps:
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail("The HTML check needs " + " and ".join(gaps))
        pytest.skip("not installed: " + ", ".join(gaps))
    return ["java", "-Xss2m", "-jar", str(VNU), "--format", "json", "--exit-zero-always"]


def public_pages(client):
    """{name: (status, HTML)} for every kind of page a reader can reach."""
    story = Story.objects.published().for_page().filter(citations__isnull=False).first()
    Correction.objects.create(story=story, text="An earlier version gave the wrong year.")
    outlet = story.citations.first().source.outlet
    illustrated = Story.objects.published().exclude(image="").first()
    assert illustrated.image_renditions["sizes"], "the page shows its renditions"
    # The demo story with two authors: a byline of several links.
    paired = Story.objects.published().get(slug="offshore-wind-expansion-fishing-grounds")
    author = paired.story_authors.first().author
    assert author.photo_renditions["sizes"], "the author page shows a photo"
    withdrawn = (
        Story.objects.published().exclude(pk__in=[story.pk, illustrated.pk, paired.pk]).first()
    )
    Story.objects.filter(pk=withdrawn.pk).update(
        status=Story.Status.WITHDRAWN, withdrawn_reason="Its main source was retracted."
    )
    question = OpenQuestion.objects.filter(story=story, status="open").first()
    reader = SubscriberFactory(email="valid@example.org", topics=[story.topic])
    confirm = tokens.confirm_token(reader)
    manage = tokens.manage_token(reader)
    gets = {
        "home": "/",
        "topic": story.topic.get_absolute_url(),
        "topic timeline": story.topic.get_absolute_url() + "timeline/",
        "story": story.get_absolute_url(),
        "story with a lead image": illustrated.get_absolute_url(),
        "search": "/search/?q=council",
        "search, nothing found": "/search/?q=zzzzqqq",
        "search form": "/search/",
        "sources": "/sources/",
        "sources of a kind": f"/sources/?kind={outlet.kind}",
        "outlet": outlet.get_absolute_url(),
        "author": author.get_absolute_url(),
        "story with two authors": paired.get_absolute_url(),
        "corrections": "/corrections/",
        "newsletter sign-up": "/newsletter/subscribe/",
        "newsletter confirm": f"/newsletter/confirm/{confirm}/",
        "newsletter manage": f"/newsletter/manage/{manage}/",
        "newsletter unsubscribe": f"/newsletter/unsubscribe/{manage}/",
        "newsletter invalid link": "/newsletter/manage/not-a-token/",
        "withdrawn story": withdrawn.get_absolute_url(),
        "not found": "/no-such-topic/",
    }
    pages = {name: client.get(url) for name, url in gets.items()}
    posts = {
        "newsletter check inbox": (
            "/newsletter/subscribe/",
            {"email": "new@example.org", "topics": [story.topic.slug]},
        ),
        "newsletter sign-up error": ("/newsletter/subscribe/", {"email": "not an address"}),
        "newsletter confirmed": (f"/newsletter/confirm/{confirm}/", {}),
        "newsletter unsubscribed": (f"/newsletter/unsubscribe/{manage}/", {}),
        "follow check inbox": (
            "/newsletter/follow/",
            {"email": "dora@example.org", "question": question.pk},
        ),
        "follow error": ("/newsletter/follow/", {"email": "x", "question": question.pk}),
        "follow unknown question": ("/newsletter/follow/", {"email": "x@example.org"}),
    }
    for name, (url, data) in posts.items():
        pages[name] = client.post(url, data)
    assert Subscriber.objects.filter(email="new@example.org").exists()
    return {name: (r.status_code, r.content.decode()) for name, r in pages.items()}


@pytest.mark.django_db
def test_every_public_page_passes_the_nu_html_checker(
    checker, tmp_path, django_capture_on_commit_callbacks
):
    # Run as committed: the demo's lead images get their renditions.
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    pages = public_pages(Client())
    assert pages["not found"][0] == 404 and pages["withdrawn story"][0] == 410
    files = {}
    for name, (_status, html) in pages.items():
        path = tmp_path / (name.replace(" ", "-").replace(",", "") + ".html")
        path.write_text(html)
        files[path.name] = name
    # A control page with one known error proves the checker read the files.
    control = tmp_path / "control.html"
    control.write_text(pages["home"][1].replace("<main", '<main datetime="x"', 1))
    result = subprocess.run(
        [*checker, *[str(p) for p in sorted(tmp_path.glob("*.html"))]],
        capture_output=True,
        text=True,
        timeout=300,
    )
    errors = {}
    for message in json.loads(result.stderr)["messages"]:
        if message["type"] == "error" or message.get("subType") == "fatal":
            name = message.get("url", "").rsplit("/", 1)[-1]
            errors.setdefault(files.get(name, name), []).append(
                f"line {message.get('lastLine')}: {message['message']}"
            )
    assert list(errors.pop("control.html", [])), "the checker found nothing in the control page"
    assert errors == {}
