import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from stories.models import Story

from .conftest import axe_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pages(live_server):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    story = Story.objects.published().first()
    gone = Story.objects.create(
        slug="withdrawn-example",
        title="A withdrawn story",
        dek="d",
        label="l",
        topic=story.topic,
        status=Story.Status.WITHDRAWN,
        published_at=story.published_at,
        withdrawn_reason="Its main source was shown to be unreliable.",
    )
    return {
        "corrections": "/corrections/",
        "withdrawn (410)": gone.get_absolute_url(),
        "home": "/",
        "topic": story.topic.get_absolute_url(),
        "story": story.get_absolute_url(),
        "sources": "/sources/",
        "outlet": story.citations.first().source.outlet.get_absolute_url(),
        "search": "/search/?q=council",
        "author": story.story_authors.first().author.get_absolute_url(),
        "not found": "/no-such-topic/",
    }


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violations(page, site_url, pages, scheme):
    page.emulate_media(color_scheme=scheme)
    found = {}
    for name, path in pages.items():
        page.goto(site_url + path)
        violations = axe_violations(page)
        if violations:
            found[name] = violations
    assert found == {}


def test_keyboard_reaches_the_skip_link_first_and_it_is_visibly_focused(page, site_url, pages):
    page.goto(site_url + pages["story"])
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = skip.evaluate("el => getComputedStyle(el).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_every_link_on_a_story_page_is_reachable_and_shows_focus(page, site_url, pages):
    page.goto(site_url + pages["story"])
    links = page.evaluate(
        "() => { const all = [...document.querySelectorAll('a[href]')];"
        " all.forEach((a, i) => a.dataset.n = i); return all.length; }"
    )
    stops = page.locator("a[href], button, input:not([type=hidden]), select, textarea").count()
    reached = set()
    for _ in range(stops + 3):
        page.keyboard.press("Tab")
        n, href, outline = page.evaluate(
            "() => { const el = document.activeElement;"
            " return [el.dataset.n, el.getAttribute('href'), getComputedStyle(el).outlineStyle]; }"
        )
        if n is not None:
            assert outline != "none", f"no visible focus on the link to {href}"
            reached.add(n)
    assert len(reached) == links


def test_citation_markers_announce_the_source_and_its_outlet(page, site_url, pages):
    story = Story.objects.published().get(pk=Story.objects.published().first().pk)
    first = story.citations.get(number=1)
    page.goto(site_url + story.get_absolute_url())
    marker = page.get_by_role("link", name=f"Source 1: {first.source.outlet.name}").first
    expect(marker).to_be_visible()
    expect(marker).to_have_attribute("href", "#source-1")


def test_text_resized_to_200_percent_loses_nothing(page, site_url, pages):
    for path, first_heading in [(pages["home"], ".card-lead h2"), (pages["story"], "main h1")]:
        page.goto(site_url + path)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 200% text"
        expect(page.locator(first_heading)).to_be_in_viewport()
