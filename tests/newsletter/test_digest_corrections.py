"""A correction reaches the readers a digest sent the story to, in their next digest, once."""

import datetime
import io

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from newsletter.models import SentCorrection, SentStory
from newsletter.services import send_digest
from stories.models import Correction

from ..factories import StoryFactory

pytestmark = pytest.mark.django_db

HEADING = "A correction to a story we sent you"


class FailsForAlice(EmailBackend):
    def send_messages(self, messages):
        if any("alice@example.org" in message.to for message in messages):
            raise ConnectionResetError("mail server hung up")
        return super().send_messages(messages)


def run_digest():
    out = io.StringIO()
    call_command("send_digest", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def sent_to(mailoutbox, email):
    return [message for message in mailoutbox if message.to == [email]]


def correct(story, kind=Correction.Kind.CORRECTION, text="The lease runs 25 years, not 20."):
    """A note made after the digest (notes made before it were in the story sent)."""
    SentStory.objects.filter(story=story).update(
        sent_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    return Correction.objects.create(story=story, kind=kind, text=text)


@pytest.fixture
def sent_story(topic, alice):
    story = StoryFactory(topic=topic, title="Harbour lease approved")
    run_digest()
    return story


def test_a_reader_who_got_the_story_gets_the_correction_in_their_next_digest_once(
    sent_story, alice, mailoutbox, settings
):
    note = correct(sent_story)
    assert "alice@example.org: sent 1 correction" in run_digest()
    _, second = sent_to(mailoutbox, "alice@example.org")
    assert second.subject == "Factlen: a correction to a story we sent you"
    url = f"{settings.SITE_URL}{sent_story.get_absolute_url()}#updates"
    for part in (second.body, second.alternatives[0].content):
        assert HEADING in part
        assert note.text in part
        assert "Harbour lease approved" in part
        assert url in part
    assert second.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    assert "alice@example.org: nothing new" in run_digest()
    assert len(sent_to(mailoutbox, "alice@example.org")) == 2
    assert SentCorrection.objects.filter(subscriber=alice, correction=note).count() == 1


def test_a_correction_rides_with_new_stories(sent_story, topic, alice, mailoutbox):
    correct(sent_story, kind=Correction.Kind.CLARIFICATION, text="By 'port' we mean the harbour.")
    StoryFactory(topic=topic, title="Second story")
    assert "alice@example.org: sent 1 story and 1 correction" in run_digest()
    message = sent_to(mailoutbox, "alice@example.org")[-1]
    assert message.subject == "Factlen: 1 new story and a correction"
    assert "Second story" in message.body
    assert "Clarification" in message.body
    assert "By 'port' we mean the harbour." in message.body
    assert "By &#x27;port&#x27; we mean the harbour." in message.alternatives[0].content


def test_an_update_is_not_sent_again(sent_story, alice, mailoutbox):
    correct(sent_story, kind=Correction.Kind.UPDATE, text="The council met again.")
    assert "alice@example.org: nothing new" in run_digest()
    assert len(mailoutbox) == 1
    assert not SentCorrection.objects.exists()


def test_a_reader_who_never_got_the_story_is_not_sent_its_correction(
    sent_story, topic, energy, carol, mailoutbox
):
    # Carol reads Energy, not AI: no digest sent her the story.
    correct(sent_story)
    assert "carol@example.org: nothing new" in run_digest()
    assert sent_to(mailoutbox, "carol@example.org") == []


def test_a_correction_made_before_the_reader_got_the_story_is_not_sent(topic, alice, mailoutbox):
    story = StoryFactory(topic=topic)
    Correction.objects.create(story=story, text="Fixed before it went out.")
    run_digest()
    assert "alice@example.org: nothing new" in run_digest()
    (message,) = mailoutbox
    assert HEADING not in message.body


def test_a_repeated_run_sends_the_correction_once(sent_story, alice, mailoutbox):
    correct(sent_story)
    run_digest()
    run_digest()
    assert send_digest(subscriber_id=alice.pk) == {"stories": 0, "corrections": 0}
    assert len(mailoutbox) == 2


def test_a_crash_mid_send_records_nothing_and_the_next_run_sends_the_correction_once(
    sent_story, alice, mailoutbox, settings
):
    note = correct(sent_story)
    settings.EMAIL_BACKEND = f"{__name__}.FailsForAlice"
    with pytest.raises(ConnectionResetError):
        send_digest(subscriber_id=alice.pk)
    assert not SentCorrection.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    run_digest()
    run_digest()
    corrected = [m for m in sent_to(mailoutbox, "alice@example.org") if note.text in m.body]
    assert len(corrected) == 1


def test_the_database_keeps_one_sent_correction_per_reader(sent_story, alice):
    note = correct(sent_story)
    SentCorrection.objects.create(subscriber=alice, correction=note)
    with pytest.raises(IntegrityError), transaction.atomic():
        SentCorrection.objects.create(subscriber=alice, correction=note)


def test_a_correction_to_a_withdrawn_story_is_not_sent(sent_story, alice, mailoutbox):
    correct(sent_story)
    sent_story.status, sent_story.withdrawn_reason = "withdrawn", "Wrong figures."
    sent_story.save()
    assert "alice@example.org: nothing new" in run_digest()


def test_the_summary_counts_corrections(sent_story, alice, mailoutbox):
    correct(sent_story)
    assert "Sent 1 digest (0 stories, 1 correction)" in run_digest()
    assert SentStory.objects.filter(subscriber=alice).count() == 1
