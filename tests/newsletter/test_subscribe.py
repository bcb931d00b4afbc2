import pytest
from django.test import Client

from newsletter import tokens
from newsletter.models import Subscriber
from newsletter.services import CONFIRMATIONS_PER_ADDRESS
from newsletter.views import SUBSCRIBE_LIMIT

from ..factories import StoryFactory, SubscriberFactory, TopicFactory
from ..html import attribute, elements, parse
from .conftest import link, without_csrf_token

pytestmark = pytest.mark.django_db

SUBSCRIBE = "/newsletter/subscribe/"


def subscribe(client, email="alice@example.org", topics=("ai",), website="", **request):
    data = {"email": email, "topics": list(topics), "website": website}
    return client.post(SUBSCRIBE, data, **request)


def text(response):
    return response.content.decode()


def test_signing_up_sends_a_link_that_subscribes_once_its_button_is_pressed(
    client, topic, mailoutbox
):
    response = subscribe(client, email="Alice@Example.org")
    assert response.status_code == 200
    assert "Check your inbox…" in text(response)
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "alice@example.org"
    assert list(subscriber.topics.all()) == [topic]
    assert not subscriber.is_confirmed

    (message,) = mailoutbox
    assert message.to == ["alice@example.org"]
    assert "AI" in message.body
    confirm = link(message, "confirm")

    page = client.get(confirm)
    assert page.status_code == 200
    assert elements(parse(text(page)), "form", method="post", action=confirm)
    subscriber.refresh_from_db()
    assert not subscriber.is_confirmed, "following the link alone must not subscribe"

    done = client.post(confirm)
    assert done.status_code == 200
    assert "You are subscribed" in text(done)
    assert list(Subscriber.objects.confirmed()) == [subscriber]


def test_the_confirmation_email_carries_one_click_unsubscribe_and_a_manage_link(
    client, topic, mailoutbox, settings
):
    subscribe(client)
    (message,) = mailoutbox
    subscriber = Subscriber.objects.get()
    token = tokens.manage_token(subscriber)
    assert message.extra_headers["List-Unsubscribe"] == (
        f"<{settings.SITE_URL}/newsletter/unsubscribe/{token}/>"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link(message, "manage") == f"/newsletter/manage/{token}/"
    assert message.alternatives[0].mimetype == "text/html"


def test_an_expired_confirmation_link_is_refused_with_a_way_to_sign_up_again(
    client, topic, mailoutbox, settings
):
    subscribe(client)
    confirm = link(mailoutbox[0], "confirm")
    # Any age is over a negative limit, so the test needs no clock.
    settings.NEWSLETTER_CONFIRM_MAX_AGE = -1
    for response in (client.get(confirm), client.post(confirm)):
        assert response.status_code == 400
        assert "This link has expired" in text(response)
        assert elements(parse(text(response)), "a", href=SUBSCRIBE)
    assert not Subscriber.objects.get().is_confirmed


def test_an_altered_confirmation_link_is_refused(client, topic, mailoutbox):
    subscribe(client)
    confirm = link(mailoutbox[0], "confirm")
    last = confirm[-2]
    altered = confirm[:-2] + ("A" if last != "A" else "B") + "/"
    for response in (client.get(altered), client.post(altered)):
        assert response.status_code == 400
        assert "This link does not work" in text(response)
    assert not Subscriber.objects.get().is_confirmed


def test_a_manage_link_cannot_stand_in_for_a_confirmation_link(client):
    subscriber = SubscriberFactory(pending=True)
    response = client.post(f"/newsletter/confirm/{tokens.manage_token(subscriber)}/")
    assert response.status_code == 400
    subscriber.refresh_from_db()
    assert not subscriber.is_confirmed


def test_a_link_stops_working_when_its_address_changes(client):
    subscriber = SubscriberFactory(pending=True)
    token = tokens.confirm_token(subscriber)
    Subscriber.objects.filter(pk=subscriber.pk).update(email="someone-else@example.org")
    assert client.post(f"/newsletter/confirm/{token}/").status_code == 400


def test_the_reply_is_the_same_whether_an_address_is_new_waiting_confirmed_or_gone(
    client, topic, mailoutbox
):
    SubscriberFactory(email="waiting@example.org", pending=True)
    SubscriberFactory(email="reader@example.org", topics=[topic])
    SubscriberFactory(email="gone@example.org", unsubscribed=True)
    replies = {}
    for email in [
        "new@example.org",
        "waiting@example.org",
        "Reader@example.org",
        "gone@example.org",
    ]:
        response = subscribe(client, email=email)
        replies[email] = (response.status_code, without_csrf_token(response.content))
    assert len(set(replies.values())) == 1, "the reply tells addresses apart"
    assert sorted(m.to[0] for m in mailoutbox) == [
        "gone@example.org",
        "new@example.org",
        "waiting@example.org",
    ]


def test_a_confirmed_reader_signing_up_for_another_topic_gets_it_without_an_email(
    client, topic, mailoutbox
):
    energy = TopicFactory(name="Energy", slug="energy")
    reader = SubscriberFactory(email="reader@example.org", topics=[topic])
    subscribe(client, email="READER@example.org", topics=["energy"])
    assert mailoutbox == []
    assert set(reader.topics.all()) == {topic, energy}
    assert Subscriber.objects.count() == 1


def test_a_filled_honeypot_gets_the_same_reply_and_nothing_is_stored_or_sent(
    client, topic, mailoutbox
):
    human = subscribe(client, email="person@example.org")
    bot = subscribe(client, email="bot@example.org", website="https://spam.example")
    assert bot.status_code == human.status_code == 200
    assert without_csrf_token(bot.content) == without_csrf_token(human.content)
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["person@example.org"]
    assert [m.to for m in mailoutbox] == [["person@example.org"]]


def test_sign_ups_over_the_limit_from_one_address_get_429_and_send_nothing(
    client, topic, mailoutbox
):
    for n in range(SUBSCRIBE_LIMIT):
        assert subscribe(client, email=f"reader{n}@example.org").status_code == 200
    response = subscribe(client, email="one-too-many@example.org")
    assert response.status_code == 429
    assert "Please wait a few minutes" in text(response)
    assert not Subscriber.objects.filter(email="one-too-many@example.org").exists()
    assert len(mailoutbox) == SUBSCRIBE_LIMIT

    elsewhere = subscribe(client, email="elsewhere@example.org", REMOTE_ADDR="203.0.113.7")
    assert elsewhere.status_code == 200


def test_an_inbox_gets_a_few_confirmation_emails_however_many_machines_ask(
    client, topic, mailoutbox
):
    for n in range(CONFIRMATIONS_PER_ADDRESS + 2):
        response = subscribe(client, email="target@example.org", REMOTE_ADDR=f"203.0.113.{n}")
        assert response.status_code == 200
    assert len(mailoutbox) == CONFIRMATIONS_PER_ADDRESS


def test_a_bad_address_shows_the_form_again_with_its_error(client, topic, mailoutbox):
    StoryFactory(topic=topic)
    response = subscribe(client, email="not-an-address")
    html = text(response)
    assert response.status_code == 200
    assert "Enter an email address such as name@example.com." in html
    form = parse(html)
    assert elements(
        form,
        "input",
        name="email",
        value="not-an-address",
        aria_invalid="true",
        aria_describedby="newsletter-email-error",
    )
    assert elements(form, "input", type="checkbox", name="topics", value="ai", checked=True)
    assert not Subscriber.objects.exists()
    assert mailoutbox == []


def test_signing_up_without_a_topic_asks_for_one(client, topic, mailoutbox):
    StoryFactory(topic=topic)
    response = subscribe(client, topics=())
    assert "Choose at least one topic." in text(response)
    assert not Subscriber.objects.exists()


def test_the_sign_up_page_offers_topics_with_published_stories(client, topic, draft_story):
    StoryFactory(topic=TopicFactory(name="Energy", slug="energy"))
    page = parse(text(client.get(SUBSCRIBE)))
    offered = elements(page, "input", type="checkbox", name="topics")
    assert [attribute(i, "value") for i in offered] == ["energy"]


def test_an_unsubscribed_reader_who_signs_up_again_confirms_again(client, topic, mailoutbox):
    reader = SubscriberFactory(email="back@example.org", unsubscribed=True, topics=[topic])
    subscribe(client, email="back@example.org")
    client.post(link(mailoutbox[0], "confirm"))
    reader.refresh_from_db()
    assert reader.is_confirmed


def test_a_confirmation_link_is_refused_once_its_subscriber_is_deleted(client, topic, mailoutbox):
    subscribe(client)
    Subscriber.objects.all().delete()
    assert client.get(link(mailoutbox[0], "confirm")).status_code == 400


def test_a_sign_up_without_a_csrf_token_only_asks_the_inbox_to_confirm(topic, mailoutbox):
    # The box sits on cached pages, so it carries no token; double opt-in is the guard.
    response = subscribe(Client(enforce_csrf_checks=True))
    assert response.status_code == 200
    assert len(mailoutbox) == 1
    assert not Subscriber.objects.confirmed().exists()
