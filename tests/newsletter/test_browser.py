"""The sign-up in a real browser, and axe on every newsletter page (see tests/e2e)."""

import os
import re

import pytest
from playwright.sync_api import expect

from newsletter import tokens
from newsletter.views import SUBSCRIBE_LIMIT

from ..e2e import conftest as e2e
from ..factories import StoryFactory, SubscriberFactory
from .conftest import link

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        bool(e2e.missing_tools()) and not os.environ.get("E2E_REQUIRED"),
        reason="not installed: " + ", ".join(e2e.missing_tools()),
    ),
]

# The browser tests' Chromium settings, for this folder too.
browser_type_launch_args = e2e.browser_type_launch_args
no_csp_violations = e2e.no_csp_violations


def sign_up(page, email):
    box = page.locator(".newsletter")
    box.get_by_label("Email address").fill(email)
    box.get_by_role("button", name="Subscribe").click()


def test_a_reader_signs_up_from_a_topic_page_and_confirms(page, live_server, topic, mailoutbox):
    StoryFactory(topic=topic)
    page.goto(live_server.url + topic.get_absolute_url())
    expect(page.locator("#newsletter-website")).not_to_be_in_viewport()
    sign_up(page, "reader@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox…")

    page.goto(live_server.url + link(mailoutbox[0], "confirm"))
    page.get_by_role("button", name="Confirm my subscription").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are subscribed")


def test_the_keyboard_skips_the_honeypot(page, live_server, topic):
    StoryFactory(topic=topic)
    page.goto(live_server.url + topic.get_absolute_url())
    page.get_by_label("Email address").focus()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Subscribe")).to_be_focused()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_serious_or_critical_violations_on_newsletter_pages(
    page, live_server, topic, energy, scheme
):
    page.emulate_media(color_scheme=scheme)
    StoryFactory(topic=topic)
    StoryFactory(topic=energy)
    reader = SubscriberFactory(topics=[topic])
    gone = SubscriberFactory(unsubscribed=True, topics=[energy])
    manage = tokens.manage_token(reader)
    pages = {
        "home": "/",
        "topic": topic.get_absolute_url(),
        "sign-up": "/newsletter/subscribe/",
        "confirm": f"/newsletter/confirm/{tokens.confirm_token(reader)}/",
        "invalid link": "/newsletter/confirm/not-a-token/",
        "manage": f"/newsletter/manage/{manage}/",
        "manage, unsubscribed": f"/newsletter/manage/{tokens.manage_token(gone)}/",
        "unsubscribe": f"/newsletter/unsubscribe/{manage}/",
    }
    found = {}

    def check(name):
        if violations := e2e.axe_violations(page):
            found[name] = violations

    for name, path in pages.items():
        page.goto(live_server.url + path)
        check(name)

    page.goto(live_server.url + "/newsletter/subscribe/")
    sign_up(page, "not an address")  # the browser's own check would stop it
    check("sign-up, browser-checked")
    page.locator("#newsletter-email").evaluate("el => el.type = 'text'")
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator(".newsletter-error").first).to_be_visible()
    check("sign-up with errors")

    page.get_by_role("checkbox", name="AI").check()
    sign_up(page, "reader@example.org")
    # The answer has loaded (axe on a page still navigating finds no document).
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox…")
    check("check your inbox")

    for n in range(SUBSCRIBE_LIMIT):
        page.goto(live_server.url + topic.get_absolute_url())
        sign_up(page, f"reader{n}@example.org")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Please wait"))
    check("rate limited")

    page.goto(live_server.url + pages["manage"])
    page.get_by_role("button", name="Save topics").click()
    check("manage, saved")
    page.get_by_role("button", name="Unsubscribe from everything").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You are unsubscribed")
    check("unsubscribed")
    assert found == {}


@pytest.mark.parametrize("width", [375, 1280])
def test_a_reader_follows_a_question_from_the_story_page_and_confirms(
    page, live_server, published_story, mailoutbox, width
):
    page.set_viewport_size({"width": width, "height": 900})
    question = published_story.open_questions.get(position=0)
    page.goto(live_server.url + published_story.get_absolute_url())
    box = page.locator("details.follow-question").first
    box.get_by_text("Follow this question").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= width, "no sideways scroll"
    assert e2e.axe_violations(page) == []
    box.get_by_label("Email address").fill("dora@example.org")
    box.get_by_role("button", name="Follow").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox…")
    expect(page.get_by_text(question.text)).to_be_visible()

    page.goto(live_server.url + link(mailoutbox[0], "confirm"))
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("listitem").filter(has_text=question.text)).to_be_visible()
