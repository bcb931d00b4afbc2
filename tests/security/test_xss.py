"""Every channel escapes: one payload list through every text field, every page looked at.

The payloads (tests/security/payloads.py) go into every text field of two
stories, one imported with `import_story` and one written through the admin
(with its viewpoints, key points, timeline, open questions, citations with
quotes and corrections), into their topic, outlets and sources, a withdrawal
reason and the newsletter form. Then headless Chromium opens every page that
shows them (public pages, previews, share links, the admin), every feed and
every email rendered as their readers' clients render them (HTML, with no
Content-Security-Policy to help), and checks that nothing ran and no
injected element is live. JSON-LD and sitemaps are parsed as their readers
parse them and must give the text back exactly.
"""

import datetime
import json
import os
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from newsletter.models import QuestionFollow, SentStory, Subscriber
from sources.models import Outlet, Source
from stories.models import Author, Correction, PreviewLink, Story

from ..e2e import conftest as e2e
from ..factories import UserFactory, package_data
from .payloads import PAYLOADS, live_payloads, record_xss
from .readers import feed_as_html, show_as_reader

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        bool(e2e.missing_tools()) and not os.environ.get("E2E_REQUIRED"),
        reason="not installed: " + ", ".join(e2e.missing_tools()),
    ),
]
browser_type_launch_args = e2e.browser_type_launch_args
no_csp_violations = e2e.no_csp_violations


def pack(limit, start=0, *, avoid=""):
    """As many payloads as fit in `limit` characters, starting at payload `start`.

    Different fields start at different payloads, so that across the fields
    every payload meets every kind of field.
    """
    chosen, n = [], start
    while n < start + len(PAYLOADS):
        payload = PAYLOADS[n % len(PAYLOADS)]
        n += 1
        if any(c in payload for c in avoid):
            continue
        if len(" ".join([*chosen, payload])) > limit:
            break
        chosen.append(payload)
    return " ".join(chosen)


EVERY = "\n\n".join(PAYLOADS)


def imported_story(tmp_path, slug, status="published"):
    counter = iter(range(1000))

    def field(limit):
        return pack(limit, next(counter) * 3)

    sources = [
        {
            "n": n,
            "outlet": field(200),
            "title": field(500),
            "url": f"https://hostile-{n}.example/story?a=1&b=<2>",
            "author": field(200),
            "published": "",
            "quote": EVERY[:2000],
        }
        for n in (1, 2)
    ]
    data = package_data(
        slug=slug,
        status=status,
        title=field(200),
        dek=field(400),
        label=field(60),
        byline=field(200),
        authors=[
            {"slug": f"{slug}-author-{n}", "name": field(120), "kind": kind}
            for n, kind in ((1, "person"), (2, "desk"))
        ],
        topic={"slug": "hostile", "name": field(80), "description": field(300)},
        tags=[pack(100, 5, avoid=","), pack(100, 11, avoid=",")],
        why_it_matters=EVERY,
        key_points=[field(400) for _ in range(3)],
        body=EVERY + "\n\nA claim [1], and another [2].",
        viewpoints=[
            {
                "label": field(80),
                "stance": field(200),
                "holders": field(120),
                "summary": field(300),
                "detail": EVERY,
            }
            for _ in range(2)
        ],
        timeline=[{"date": "2019", "text": field(300)}, {"date": "2024-03", "text": field(300)}],
        unknowns=[field(400), field(400)],
        sources=sources,
        published_at=(timezone.now() - datetime.timedelta(hours=1)).isoformat(),
    )
    path = tmp_path / f"{slug}.json"
    path.write_text(json.dumps(data))
    with open(os.devnull, "w") as quiet:
        call_command("import_story", str(path), "--skip-checks", stdout=quiet)
    return Story.objects.get(slug=slug)


def post(client, url, data):
    response = client.post(url, data)
    if response.status_code != 302:
        errors = []
        for key in ("adminform", "inline_admin_formsets", "errors"):
            if response.context and key in response.context:
                errors.append(repr(response.context[key]))
        pytest.fail(f"{url} refused the form: {response.status_code} {errors}")
    return response


def inline(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data |= {f"{prefix}-{i}-{name}": value for name, value in row.items()}
    return data


def admin_written(client, topic):
    """An outlet, a source and a story with every inline, through the admin's own forms."""
    post(
        client,
        "/admin/sources/outlet/add/",
        {
            "name": pack(200, 2),
            "slug": "hostile-outlet",
            "kind": "newspaper",
            "country": pack(60, 7),
            "homepage": "https://hostile-outlet.example/",
            "description": EVERY,
            **inline("domains", [{"domain": "hostile-outlet.example"}]),
        },
    )
    outlet = Outlet.objects.get(slug="hostile-outlet")
    post(
        client,
        "/admin/sources/source/add/",
        {
            "url": "https://hostile-outlet.example/a-story",
            "outlet": outlet.pk,
            "title": pack(500, 9),
            "author": pack(200, 13),
            "published_on": "",
            "archive_url": "",
        },
    )
    source = Source.objects.get(url="https://hostile-outlet.example/a-story")
    post(
        client,
        "/admin/stories/author/add/",
        {
            "name": pack(120, 16),
            "slug": "hostile-author",
            "kind": "person",
            "role": pack(120, 17),
            "bio": EVERY[:600],
            "website": "https://hostile-author.example/?a=1&b=<2>",
            "social": 'https://social.example/@hostile"onmouseover=alert(1)',
        },
    )
    author = Author.objects.get(slug="hostile-author")
    now = timezone.localtime()
    post(
        client,
        "/admin/stories/story/add/",
        {
            "title": pack(200, 4),
            "slug": "written-in-the-admin",
            "dek": pack(400, 8),
            "topic": topic.pk,
            "label": pack(60, 12),
            "tags": pack(100, 20, avoid=","),
            "opened_version": "",
            "why_it_matters": EVERY,
            "body": EVERY + "\n\nA claim [1].",
            **inline(
                "viewpoints",
                [
                    {
                        "label": pack(80, k),
                        "holders": pack(120, k + 1),
                        "position": k,
                        "stance": pack(200, k + 2),
                        "summary": pack(300, k + 3),
                        "detail": EVERY,
                    }
                    for k in (0, 1)
                ],
            ),
            **inline("story_authors", [{"author": author.pk, "position": 0}]),
            **inline("key_points", [{"text": pack(400, k * 5), "position": k} for k in range(3)]),
            **inline("timeline_events", [{"when": "2019-02", "text": pack(300, 6)}]),
            **inline("open_questions", [{"text": pack(400, 10), "status": "open", "position": 0}]),
            **inline(
                "citations",
                [{"number": 1, "source": source.pk, "quote": EVERY[:2000], "accessed": ""}],
            ),
            **inline(
                "corrections",
                [
                    {
                        "kind": "correction",
                        "created_at_0": now.strftime("%d/%m/%Y"),
                        "created_at_1": now.strftime("%H:%M:%S"),
                        "text": EVERY,
                        "paragraph": "",
                        "source_number": "1",
                    }
                ],
            ),
        },
    )
    story = Story.objects.get(slug="written-in-the-admin")
    transition(client, story, "publish", published_at=now - datetime.timedelta(hours=2))
    story.refresh_from_db()
    return story


def transition(client, story, action, published_at=None):
    """A workflow step through its admin page, overriding whatever check fails."""
    url = f"/admin/stories/story/{story.pk}/transition/{action}/"
    page = client.get(url).content.decode()
    data = {name: pack(300, 14) for name in re.findall(r'name="(override_[a-z_]+)"', page)}
    data["comment"] = pack(400, 3)
    if published_at:
        data["published_at"] = published_at.strftime("%Y-%m-%dT%H:%M")
    post(client, url, data)


@pytest.fixture
def hostile(live_server, tmp_path, mailoutbox):
    """Payloads in every text field, written both ways; a signed-in editor's client."""
    editor = UserFactory(username="xss-editor", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(editor)
    imported = imported_story(tmp_path, "imported-story")
    written = admin_written(client, imported.topic)
    withdrawn = imported_story(tmp_path, "withdrawn-story")
    transition(client, withdrawn, "withdraw")
    draft = imported_story(tmp_path, "draft-story", status="draft")
    share = PreviewLink.objects.create(story=draft, created_by=editor)
    return {
        "editor": editor,
        "client": client,
        "stories": [imported, written],
        "withdrawn": withdrawn,
        "draft": draft,
        "share": share,
        "topic": imported.topic,
        "outlets": list(Outlet.objects.all()),
        "sources": list(Source.objects.all()),
    }


def assert_nothing_live(page, where):
    found = live_payloads(page)
    assert found == {"ran": [], "injected": [], "javascript_urls": []}, where


def visit(page, url, where):
    response = page.goto(url)
    assert response.status in (200, 410), f"{where}: {response.status}"
    page.wait_for_timeout(50)  # image errors and toggles fire just after load
    assert_nothing_live(page, where)


def test_no_payload_runs_or_is_live_on_any_public_page(page, live_server, hostile):
    dialogs = record_xss(page)
    imported, written = hostile["stories"]
    paths = [
        "/",
        hostile["topic"].get_absolute_url(),
        imported.get_absolute_url(),
        written.get_absolute_url(),
        hostile["withdrawn"].get_absolute_url(),  # 410, with the reason
        "/corrections/",
        "/sources/",
        *[f"/sources/{o.slug}/" for o in hostile["outlets"]],
        *[a.get_absolute_url() for a in Author.objects.with_live_stories()],
        "/search/?q=" + quote(PAYLOADS[1]),
        "/search/?q=claim",
        "/newsletter/subscribe/",
        hostile["share"].get_absolute_url(),
    ]
    for path in paths:
        visit(page, live_server.url + path, path)
    assert dialogs == []


def test_no_payload_runs_or_is_live_in_previews_or_the_admin(page, live_server, hostile):
    dialogs = record_xss(page)
    session = hostile["client"].cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    topic = hostile["topic"]
    paths = [
        f"/preview/{hostile['draft'].pk}/",
        "/admin/stories/story/",
        "/admin/stories/topic/",
        f"/admin/stories/topic/{topic.pk}/change/",
        "/admin/sources/outlet/",
        "/admin/sources/source/",
        "/admin/newsletter/subscriber/",
        *[f"/admin/sources/outlet/{o.pk}/change/" for o in hostile["outlets"]],
        *[f"/admin/sources/source/{s.pk}/change/" for s in hostile["sources"]],
    ]
    for story in (*hostile["stories"], hostile["withdrawn"], hostile["draft"]):
        paths += [
            f"/admin/stories/story/{story.pk}/change/",
            f"/admin/stories/story/{story.pk}/history/",
            f"/admin/stories/story/{story.pk}/transition/publish/",
        ]
    for path in paths:
        visit(page, live_server.url + path, path)
    assert dialogs == []


def test_feeds_shown_as_feed_readers_show_them_run_nothing(page, client, hostile):
    record_xss(page)
    slug = hostile["topic"].slug
    for url in ("/feeds/rss/", "/feeds/atom/", f"/feeds/{slug}/rss/", f"/feeds/{slug}/atom/"):
        response = client.get(url)
        assert response.status_code == 200
        assert show_as_reader(page, feed_as_html(response.content)) == {
            "ran": [],
            "injected": [],
            "javascript_urls": [],
        }, url


def test_emails_shown_as_mail_clients_show_them_run_nothing(page, client, hostile, mailoutbox):
    record_xss(page)
    topic = hostile["topic"]
    client.post("/newsletter/subscribe/", {"email": "reader@example.org", "topics": [topic.slug]})
    reader = Subscriber.objects.get(email="reader@example.org")
    reader.confirm()
    reader.confirmed_at = timezone.now() - datetime.timedelta(days=1)
    reader.save()
    with open(os.devnull, "w") as quiet:
        call_command("send_digest", stdout=quiet)
    assert len(mailoutbox) == 2  # the confirmation and the digest
    digest = mailoutbox[1]
    assert hostile["stories"][0].title in digest.body  # the text part keeps the text as written
    # A correction in the next digest, and the answer to a followed question.
    imported, written = hostile["stories"]
    SentStory.objects.filter(subscriber=reader).update(
        sent_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    Correction.objects.create(story=imported, text=" ".join(PAYLOADS))
    question = imported.open_questions.first()
    QuestionFollow.objects.create(subscriber=reader, question=question)
    question.answer(story=written, paragraph=1)
    with open(os.devnull, "w") as quiet:
        call_command("send_digest", stdout=quiet)
        call_command("send_answers", stdout=quiet)
    assert len(mailoutbox) == 4
    for message in mailoutbox:
        (html, kind), *_ = message.alternatives
        assert kind == "text/html"
        assert show_as_reader(page, html) == {
            "ran": [],
            "injected": [],
            "javascript_urls": [],
        }, message.subject


def test_the_newsletter_form_shows_a_hostile_address_back_as_text(page, live_server, hostile):
    dialogs = record_xss(page)
    page.goto(live_server.url + "/newsletter/subscribe/")
    for payload in PAYLOADS:
        cache.clear()  # the sign-up's rate limit would answer after five
        box = page.locator("#newsletter-email")
        box.evaluate("el => el.type = 'text'")  # past the browser's own check
        box.fill(payload)
        page.get_by_role("button", name="Subscribe").click()
        page.wait_for_load_state()
        assert_nothing_live(page, payload)
    assert dialogs == []


def test_json_ld_and_sitemaps_give_every_payload_back_as_written(client, hostile):
    imported, _ = hostile["stories"]
    html = client.get(imported.get_absolute_url()).content.decode()
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert len(blocks) == 1  # no payload closed the element and opened another
    data = json.loads(blocks[0])
    assert data["headline"] == imported.title
    assert data["description"] == imported.dek
    # Each author's name as written, a person as a Person and a desk as an Organization.
    assert [(a["@type"], a["name"]) for a in data["author"]] == [
        ("Person" if a.is_person else "Organization", a.name) for a in imported.byline_authors
    ]
    assert [c["name"] for c in data["citation"]] == [
        c.source.title for c in imported.citations.order_by("number")
    ]
    news = ET.fromstring(client.get("/sitemap-news.xml").content)
    titles = [e.text for e in news.iter("{http://www.google.com/schemas/sitemap-news/0.9}title")]
    assert imported.title in titles
    ET.fromstring(client.get("/sitemap.xml").content)  # well-formed
