import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from stories.models import Story
from stories.roles import EDITOR

from ..factories import (
    AuthorFactory,
    SourceFactory,
    TopicFactory,
    complete_story,
    newsroom_member,
)
from .conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"


@pytest.fixture
def sources_to_cite(live_server):
    """An editor's login, a topic, and two sources to cite."""
    newsroom_member("erin", EDITOR)
    newsroom_member("eddie", EDITOR)
    TopicFactory(slug="cities", name="Cities")
    AuthorFactory(name="Mara Okafor", slug="mara-okafor")
    return [
        SourceFactory(outlet__name="Larkport Ledger", title="Council backs bus lanes"),
        SourceFactory(outlet__name="Harbour Radio", title="Drivers fear parking loss"),
    ]


def add_inline(page, verbose_name, prefix, index, values):
    """Fill row `index`, adding it first unless a new story opened with it."""
    if page.locator(f'[name="{prefix}-{index}-{next(iter(values))}"]').count() == 0:
        page.get_by_role("button", name=f"Add another {verbose_name}").click()
    for field, value in values.items():
        page.fill(f'[name="{prefix}-{index}-{field}"]', value)


def pick_source(page, index, term, label):
    """The source field is an autocomplete: type, then choose."""
    row = page.locator(f"#citations-{index}")
    row.locator(".select2-selection").click()
    page.locator(".select2-search__field").fill(term)
    # Wait for the search to settle: a click on a result list being replaced
    # can land on nothing, leaving the citation without its source.
    expect(page.locator(".select2-results__option.loading-results")).to_have_count(0)
    page.locator(".select2-results__option", has_text=label).click()
    expect(row.locator(".select2-selection__rendered")).to_contain_text(label)


def pick_author(page, index, term, name):
    row = page.locator(f"#story_authors-{index}")
    row.locator(".select2-selection").click()
    page.locator(".select2-search__field").fill(term)
    expect(page.locator(".select2-results__option.loading-results")).to_have_count(0)
    page.locator(".select2-results__option", has_text=name).click()
    expect(row.locator(".select2-selection__rendered")).to_contain_text(name)


def log_in(page, site_url, username):
    page.goto(site_url + "/admin/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#user-tools")).to_contain_text(username)


def test_editor_logs_in_builds_a_complete_story_and_publishes_it(page, site_url, sources_to_cite):
    log_in(page, site_url, "erin")

    page.goto(site_url + "/admin/stories/story/add/")
    # A new story's checklist says what it needs, and follows what is typed.
    byline = page.locator('.checklist li[data-rule="authors"]')
    expect(byline).to_have_class("check-fail")
    pick_author(page, 0, "mara", "Mara Okafor")
    expect(byline).to_have_class("check-pass")
    page.locator("#id_title").press_sequentially("Council votes on waterfront bus lanes")
    expect(page.locator("#id_slug")).to_have_value("council-votes-on-waterfront-bus-lanes")
    page.fill("#id_dek", "Faster buses, or the parking that shops say they need.")
    page.select_option("#id_topic", label="Cities")
    page.fill("#id_label", "Public Transit")
    page.fill("#id_tags", "buses, parking")
    page.fill("#id_why_it_matters", "Half of Larkport commutes by bus.")
    page.fill(
        "#id_body",
        "The council backed the lanes by six votes to three [1].\n\n"
        "> “We will lose the lunch trade,” said a café owner.\n\n"
        "Shop owners fear the loss of 140 parking spaces [2][1].",
    )
    for i, (label, holders) in enumerate(
        [("Buses First", "Transit Riders"), ("Keep Parking", "Shops")]
    ):
        add_inline(
            page,
            "Viewpoint",
            "viewpoints",
            i,
            {
                "label": label,
                "holders": holders,
                "stance": f"{label}: the stance in one line.",
                "summary": f"{holders} in one sentence.",
                "detail": f"{holders} argue their case at length [{i + 1}].",
            },
        )
    for i in range(3):
        add_inline(page, "Key point", "key_points", i, {"text": f"Key point {i + 1}."})
    add_inline(page, "Timeline event", "timeline_events", 0, {"when": "2019", "text": "Study."})
    add_inline(page, "Timeline event", "timeline_events", 1, {"when": "2026-10", "text": "Vote."})
    add_inline(page, "Open question", "open_questions", 0, {"text": "Will shops lose trade?"})
    for i, source in enumerate(sources_to_cite):
        add_inline(page, "Citation", "citations", i, {"number": str(i + 1)})
        pick_source(page, i, source.title.split()[0], source.title)
    screenshot(page, "admin-story-form")
    # The third viewpoint row the new story opened with stays empty: not saved.
    expect(page.locator('[name="viewpoints-2-label"]')).to_have_value("")

    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    # All but one rule: Erin wrote the story, so another editor signs its viewpoints off.
    expect(page.locator(".checklist .check-fail")).to_have_count(1)
    change_url = page.url
    page.locator("#logout-form button").click()
    log_in(page, site_url, "eddie")
    page.goto(change_url)
    for i in range(2):
        page.check(f'[name="viewpoints-{i}-sign_off"]')
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator(".checklist .check-fail")).to_have_count(0)

    # Publishing goes through the workflow: a page says what will happen first.
    page.get_by_role("link", name="Publish or schedule").click()
    expect(page.get_by_text("What this does:")).to_be_visible()
    yesterday = timezone.localtime() - datetime.timedelta(days=1)
    page.fill("#id_published_at", yesterday.strftime("%Y-%m-%dT09:30"))
    page.get_by_role("button", name="Publish or schedule").click()
    expect(page.locator(".messagelist")).to_contain_text("is now published")

    story = Story.objects.get(slug="council-votes-on-waterfront-bus-lanes")
    assert story.is_live
    assert (story.viewpoints.count(), story.key_points.count(), story.citations.count()) == (
        2,
        3,
        2,
    )

    page.goto(site_url + story.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text(story.title)
    body = page.locator(".story-body")
    expect(body.get_by_role("link", name="Source 2: Harbour Radio")).to_be_visible()
    # The viewpoint that cites it links to it too.
    viewpoints = page.get_by_role("region", name="Viewpoints in depth")
    expect(viewpoints.get_by_role("link", name="Source 2: Harbour Radio")).to_be_visible()
    expect(page.locator(".timeline time").first).to_have_text("2019")
    expect(page).to_have_title(re.compile("Council votes"))


def test_the_story_form_fits_an_editor_s_screen_without_sideways_scrolling(page, site_url):
    newsroom_member("erin", EDITOR)
    story = complete_story(size=8)
    page.goto(site_url + "/admin/")
    page.fill("#id_username", "erin")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    too_wide = {}
    for path in (f"/admin/stories/story/{story.pk}/change/", "/admin/stories/story/add/"):
        for width in (1280, 1440):
            page.set_viewport_size({"width": width, "height": 900})
            page.goto(site_url + path)
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                too_wide[(path, width)] = scroll_width
            # Room for a whole headline, not the admin's default 20 characters.
            assert page.locator("#id_title").bounding_box()["width"] >= 600
    assert too_wide == {}


def test_the_publish_checklist_follows_what_the_editor_types(page, site_url):
    newsroom_member("erin", EDITOR)
    story = complete_story(size=3)
    page.goto(site_url + "/admin/")
    page.fill("#id_username", "erin")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(site_url + f"/admin/stories/story/{story.pk}/change/")
    required = page.locator('.checklist li[data-rule="required_fields"]')
    expect(required).to_have_class("check-pass")
    page.fill("#id_dek", "")
    expect(required).to_have_class("check-fail")
    expect(required).to_contain_text("Missing: dek.")
    page.fill("#id_dek", "Back again.")
    expect(required).to_have_class("check-pass")
    assert Story.objects.get(pk=story.pk).dek == story.dek  # nothing was saved


def test_an_editor_reorders_viewpoints_by_moving_them_and_the_order_is_saved(page, site_url):
    newsroom_member("erin", EDITOR)
    story = complete_story(size=3)
    labels = [v.label for v in story.viewpoints.all()]
    page.goto(site_url + "/admin/")
    page.fill("#id_username", "erin")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(site_url + f"/admin/stories/story/{story.pk}/change/")
    # The position is kept by the ordering, not typed.
    expect(page.locator('[name="viewpoints-0-position"]')).to_be_hidden()
    rows = page.locator("#viewpoints-group .inline-related.has_original")
    rows.first.locator("i.move-end").click()
    expect(rows.first.locator("h3")).to_contain_text(labels[1])
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    saved = [v.label for v in Story.objects.get(pk=story.pk).viewpoints.all()]
    assert saved == [labels[1], labels[2], labels[0]]
