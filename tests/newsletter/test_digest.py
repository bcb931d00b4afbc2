import datetime
import io
from collections import Counter

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from newsletter.models import SentStory
from newsletter.services import send_digest
from stories.models import Story

from ..factories import StoryFactory, SubscriberFactory, TopicFactory, complete_story

pytestmark = pytest.mark.django_db


class FailsForBob(EmailBackend):
    """A mail server that drops the connection on Bob's digest."""

    def send_messages(self, messages):
        if any("bob@example.org" in message.to for message in messages):
            raise ConnectionResetError("mail server hung up")
        return super().send_messages(messages)


def run_digest():
    out, err = io.StringIO(), io.StringIO()
    call_command("send_digest", stdout=out, stderr=err)
    return out.getvalue()


def sent_to(mailoutbox, email):
    return [message for message in mailoutbox if message.to == [email]]


def ago(**delta):
    return timezone.now() - datetime.timedelta(**delta)


def test_the_digest_carries_only_live_stories_in_the_reader_s_topics(
    topic, energy, alice, carol, mailoutbox
):
    live = StoryFactory(topic=topic, title="Live AI story")
    StoryFactory(topic=topic, draft=True, title="Draft AI story")
    StoryFactory(topic=topic, title="Future AI story", published_at=ago(hours=-2))
    StoryFactory(topic=topic, title="Withdrawn AI story", status=Story.Status.WITHDRAWN)
    StoryFactory(topic=topic, title="Old AI story", published_at=ago(days=2))
    StoryFactory(topic=TopicFactory(name="Sport", slug="sport"), title="Sport story")
    StoryFactory(topic=energy, title="Energy story")

    run_digest()

    (to_alice,) = sent_to(mailoutbox, "alice@example.org")
    assert "Live AI story" in to_alice.body
    for absent in ["Draft", "Future", "Withdrawn", "Old AI", "Sport", "Energy"]:
        assert absent not in to_alice.body
        assert absent not in to_alice.alternatives[0].content
    (to_carol,) = sent_to(mailoutbox, "carol@example.org")
    assert "Energy story" in to_carol.body and "AI story" not in to_carol.body
    assert set(SentStory.objects.filter(subscriber=alice).values_list("story", flat=True)) == {
        live.pk
    }


def test_nothing_goes_to_readers_who_have_not_confirmed_or_have_unsubscribed(topic, mailoutbox):
    SubscriberFactory(email="waiting@example.org", pending=True, topics=[topic])
    SubscriberFactory(email="gone@example.org", unsubscribed=True, topics=[topic])
    StoryFactory(topic=topic)
    out = run_digest()
    assert mailoutbox == []
    assert not SentStory.objects.exists()
    assert "Sent 0 digests (0 stories); 0 subscribers had nothing new; 0 failed" in out


def test_a_second_run_sends_nothing_and_a_later_story_goes_out_alone(topic, alice, mailoutbox):
    StoryFactory(topic=topic, title="First story")
    assert "alice@example.org: sent 1 story" in run_digest()
    out = run_digest()
    assert len(mailoutbox) == 1
    assert "alice@example.org: nothing new" in out
    assert "Sent 0 digests (0 stories); 1 subscriber had nothing new; 0 failed" in out

    StoryFactory(topic=topic, title="Second story")
    run_digest()
    assert len(mailoutbox) == 2
    assert "Second story" in mailoutbox[1].body
    assert "First story" not in mailoutbox[1].body


def test_the_digest_is_text_and_html_with_each_story_s_perspectives_and_sources(
    topic, alice, mailoutbox, settings
):
    story = complete_story(size=3, topic=topic, title="Open weights debate")
    run_digest()
    (message,) = mailoutbox
    url = f"{settings.SITE_URL}{story.get_absolute_url()}"
    assert message.subject == "Factlen: 1 new story"
    for part in (message.body, message.alternatives[0].content):
        assert "Open weights debate" in part
        assert story.dek in part
        assert story.label in part
        assert "3 sources" in part
        assert url in part
    assert "- Position 0: Stance of position 0.\n- Position 1: Stance of position 1." in (
        message.body
    )
    assertInHTML(
        "<li><strong>Position 2:</strong> Stance of position 2.</li>",
        message.alternatives[0].content,
        count=1,
    )
    assert message.alternatives[0].mimetype == "text/html"
    alice.refresh_from_db()
    assert alice.last_digest_at is not None


def test_the_digest_s_list_unsubscribe_header_unsubscribes_in_one_post(
    topic, alice, mailoutbox, settings
):
    StoryFactory(topic=topic)
    run_digest()
    (message,) = mailoutbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith(f"<{settings.SITE_URL}/newsletter/unsubscribe/")
    assert header.endswith("/>")
    path = header[1:-1].removeprefix(settings.SITE_URL)
    response = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    alice.refresh_from_db()
    assert not alice.is_confirmed


def test_a_failed_send_is_retried_by_the_next_run_and_nobody_gets_a_story_twice(
    topic, energy, alice, bob, carol, mailoutbox, settings
):
    StoryFactory(topic=topic, title="AI story")
    StoryFactory(topic=energy, title="Energy story")
    settings.EMAIL_BACKEND = "tests.newsletter.test_digest.FailsForBob"

    out = io.StringIO()
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 digest could not be sent"):
        call_command("send_digest", stdout=out, stderr=err)
    assert "Sent 2 digests (2 stories); 0 subscribers had nothing new; 1 failed" in out.getvalue()
    assert "bob@example.org: failed" in err.getvalue()
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.org", "carol@example.org"]
    bob.refresh_from_db()
    assert bob.last_digest_at is None
    assert not SentStory.objects.filter(subscriber=bob).exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = run_digest()
    assert "Sent 1 digest (2 stories); 2 subscribers had nothing new; 0 failed" in out
    (to_bob,) = sent_to(mailoutbox, "bob@example.org")
    assert "AI story" in to_bob.body and "Energy story" in to_bob.body

    deliveries = Counter(
        (message.to[0], title)
        for message in mailoutbox
        for title in ("AI story", "Energy story")
        if title in message.body
    )
    assert deliveries == {
        ("alice@example.org", "AI story"): 1,
        ("bob@example.org", "AI story"): 1,
        ("bob@example.org", "Energy story"): 1,
        ("carol@example.org", "Energy story"): 1,
    }
    assert SentStory.objects.count() == 4


def test_a_digest_runs_the_same_queries_for_two_stories_as_for_six(topic):
    counts = []
    for size, email in [(2, "small@example.org"), (6, "large@example.org")]:
        reader = SubscriberFactory(email=email, topics=[TopicFactory()])
        for _ in range(size):
            complete_story(size=size, topic=reader.topics.get())
        with CaptureQueriesContext(connection) as queries:
            assert send_digest(subscriber_id=reader.pk)["stories"] == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 8, counts
