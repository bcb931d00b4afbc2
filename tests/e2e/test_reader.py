import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from stories.models import Story

from .conftest import SCREENSHOTS, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_reader_goes_home_to_topic_to_story_and_follows_citations(page, site_url, demo):
    story = Story.objects.published().for_page().filter(citations__isnull=False).first()
    topic = story.topic
    page.goto(site_url)
    screenshot(page, "home")

    page.get_by_role("navigation", name="Topics").get_by_role("link", name=topic.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(topic.name)
    screenshot(page, "topic")

    page.get_by_role("link", name=story.title, exact=True).first.click()
    expect(page).to_have_url(re.compile(re.escape(story.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(story.title)
    screenshot(page, "story")

    first = story.citations.get(number=1)
    marker = page.get_by_role("link", name=f"Source 1: {first.source.outlet.name}").first
    marker.click()
    expect(page).to_have_url(re.compile("#source-1$"))
    entry = page.locator("#source-1")
    expect(entry).to_be_in_viewport()
    expect(entry.get_by_role("link", name=f"Read on {first.source.outlet.name}")).to_have_attribute(
        "href", first.source.url
    )

    entry.locator(".backlink").first.click()
    expect(page).to_have_url(re.compile("#cite-1-1$"))
    expect(page.locator("#cite-1-1")).to_be_in_viewport()

    count = Story.objects.published().filter(topic=topic).count()
    page.get_by_role("link", name=f"See all {count} stories").click()
    expect(page).to_have_url(re.compile(re.escape(topic.get_absolute_url()) + "$"))
    expect(page.locator(".cards .card")).to_have_count(count)


def test_reader_follows_a_byline_to_the_author_page_and_back(page, site_url, demo):
    story = Story.objects.published().get(slug="offshore-wind-expansion-fishing-grounds")
    first, second = story.byline_authors
    page.goto(site_url + story.get_absolute_url())
    byline = page.locator(".byline")
    expect(byline).to_contain_text(f"By {first.name} and {second.name}")
    screenshot(page, "story-byline")

    byline.get_by_role("link", name=second.name).click()
    expect(page).to_have_url(re.compile(re.escape(second.get_absolute_url()) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(second.name)
    expect(page.locator(".author-role")).to_have_text(second.role)
    screenshot(page, "author")

    page.get_by_role("link", name=story.title, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(story.title)


def test_pages_load_nothing_from_other_hosts(page, site_url, demo):
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    story = Story.objects.published().first()
    for path in ("/", story.topic.get_absolute_url(), story.get_absolute_url()):
        page.goto(site_url + path)
    assert requested
    assert all(url.startswith(site_url) for url in requested), requested


def test_a_story_reads_without_javascript(browser, site_url, demo):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    story = Story.objects.published().first()
    page.goto(site_url + story.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(story.title)
    expect(page.get_by_role("heading", name="Sources")).to_be_visible()
    context.close()


def test_withdrawn_story_page_is_styled_and_says_why(page, site_url, demo):
    story = Story.objects.published().first()
    Story.objects.filter(pk=story.pk).update(
        status=Story.Status.WITHDRAWN, withdrawn_reason="Its main source was retracted."
    )
    response = page.goto(site_url + story.get_absolute_url())
    assert response.status == 410
    expect(page.get_by_role("heading", level=1)).to_have_text("We have withdrawn this story")
    expect(page.locator(".withdrawn-reason")).to_have_text("Its main source was retracted.")
    screenshot(page, "withdrawn")


def test_missing_page_is_styled(page, site_url, demo):
    response = page.goto(site_url + "/no-such-topic/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We can’t find that page")
    expect(page.get_by_role("link", name="Go to the latest stories")).to_be_visible()
    screenshot(page, "not-found")


def test_reader_searches_from_the_header(page, site_url, demo):
    story = Story.objects.published().get(slug="offshore-wind-expansion-fishing-grounds")
    page.goto(site_url)
    page.get_by_role("search").get_by_role("searchbox", name="Search stories").fill("turbines")
    page.get_by_role("search").get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=turbines$"))
    expect(page.get_by_role("status")).to_contain_text("for “turbines”")
    result = page.get_by_role("link", name=story.title, exact=True)
    expect(result).to_be_visible()
    expect(page.locator(".snippet mark").first).to_have_text(re.compile("turbines", re.I))
    screenshot(page, "search")
    result.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(story.title)


def test_a_search_result_s_picture_stays_small_beside_its_words_on_a_wide_screen(
    page, site_url, demo
):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(site_url + "/search/?q=Larkport")
    picture = page.locator(".search-results .card-image img").first
    expect(picture).to_be_visible()
    box = picture.bounding_box()
    assert box["width"] < 260, box
    title = picture.locator("xpath=ancestor::article").locator(".card-title")
    assert title.bounding_box()["x"] > box["x"] + box["width"], "the words sit beside it"


def test_a_story_prints_with_its_sources_and_their_urls(page, site_url, demo):
    story = Story.objects.published().first()
    page.goto(site_url + story.get_absolute_url())
    page.emulate_media(media="print")
    assert page.locator(".site-header").evaluate("el => getComputedStyle(el).display") == "none"
    assert page.locator(".newsletter").evaluate("el => getComputedStyle(el).display") == "none"
    link = page.locator("#source-1 .source-link").first
    printed = link.evaluate("el => getComputedStyle(el, '::after').content")
    assert story.citations.get(number=1).source.url in printed
    page.pdf(path=str(SCREENSHOTS / "story-print.pdf"))
    assert (SCREENSHOTS / "story-print.pdf").stat().st_size > 10_000


def test_no_public_page_scrolls_sideways_on_a_phone(page, site_url, demo):
    story = Story.objects.published().for_page().filter(citations__isnull=False).first()
    outlet = story.citations.first().source.outlet
    paths = [
        "/",
        story.topic.get_absolute_url(),
        story.get_absolute_url(),
        "/sources/",
        outlet.get_absolute_url(),
        story.byline_authors[0].get_absolute_url(),
        "/corrections/",
        "/search/?q=council",
        # A pasted address: one long word in the results line.
        "/search/?q=https://www.example.org/2026/" + "longaddress" * 30,
        "/newsletter/subscribe/",
    ]
    page.set_viewport_size({"width": 375, "height": 800})
    wider = {}
    for path in paths:
        page.goto(site_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            wider[path] = width
    assert wider == {}, "pages wider than a 375 px phone"
