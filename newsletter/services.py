"""Newsletter writes that span models or send email."""

import hashlib

from django.db import transaction
from django.utils import timezone

from stories.models import OpenQuestion

from . import ratelimit
from .emails import answer_message, confirmation_message, digest_message
from .models import (
    MAX_FOLLOWS_PER_READER,
    QuestionFollow,
    SentAnswer,
    SentCorrection,
    SentStory,
    Subscriber,
    normalize_email,
)

# However many machines ask, an inbox gets at most this many confirmation
# emails per hour: the form cannot be used to flood someone's inbox.
CONFIRMATIONS_PER_ADDRESS = 3


def subscribe(*, email, topics) -> Subscriber | None:
    """Record a sign-up for `topics`; return the subscriber if a confirmation email is due.

    A confirmed reader's topics are added without an email, and an inbox gets
    at most CONFIRMATIONS_PER_ADDRESS confirmations an hour. This runs as a
    task (newsletter/tasks.py), after the reply has gone: the reply is the
    same, and takes as long, whichever case it was, so the form cannot tell
    anyone whether an address is subscribed.
    """
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.get_or_create(email=normalize_email(email))
        subscriber.topics.add(*topics)
    return _confirmation_due(subscriber)


def follow(*, email, question) -> Subscriber | None:
    """Record that `email` follows `question`; return the subscriber if a
    confirmation email is due (as `subscribe`, whose consent it shares).

    Following subscribes to no topic: the reader asked for one email, when
    the question is answered. A reader following MAX_FOLLOWS_PER_READER
    questions follows no more (their earlier follows stand).
    """
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.get_or_create(email=normalize_email(email))
        if subscriber.follows.count() < MAX_FOLLOWS_PER_READER:
            QuestionFollow.objects.get_or_create(subscriber=subscriber, question=question)
    return _confirmation_due(subscriber)


def _confirmation_due(subscriber) -> Subscriber | None:
    if subscriber.is_confirmed:
        return None
    address = hashlib.sha256(subscriber.email.encode()).hexdigest()
    if not ratelimit.allow(f"confirm:{address}", limit=CONFIRMATIONS_PER_ADDRESS, window=3600):
        return None
    return subscriber


def send_confirmation(*, subscriber_id) -> bool:
    """Email the confirmation link, unless the reader confirmed or left meanwhile."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or subscriber.is_confirmed:
        return False
    confirmation_message(subscriber).send()
    return True


NOTHING_SENT = {"stories": 0, "corrections": 0}


def send_digest(*, subscriber_id) -> dict:
    """Send one reader the stories that are new for them, and the corrections
    to stories earlier digests sent them; return how many of each
    ({"stories": n, "corrections": m}, a task's JSON result).

    The row lock keeps two runs from sending the same items; sending last,
    inside the transaction, means a failed send rolls back the record of what
    was sent, so the next run tries the same items again. (A crash between
    the send and the commit would send them twice: at least once, never lost.)
    """
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.confirmed().select_for_update().filter(pk=subscriber_id).first()
        )
        if subscriber is None:
            return NOTHING_SENT
        stories = list(subscriber.new_stories())
        corrections = list(subscriber.new_corrections())
        if not stories and not corrections:
            return NOTHING_SENT
        now = timezone.now()
        SentStory.objects.bulk_create(
            SentStory(subscriber=subscriber, story=story, sent_at=now) for story in stories
        )
        SentCorrection.objects.bulk_create(
            SentCorrection(subscriber=subscriber, correction=correction, sent_at=now)
            for correction in corrections
        )
        subscriber.last_digest_at = now
        subscriber.save(update_fields=["last_digest_at"])
        digest_message(subscriber, stories, corrections).send()
    return {"stories": len(stories), "corrections": len(corrections)}


def answers_due() -> list[tuple[int, int]]:
    """(subscriber id, question id) for every follower owed an answer email."""
    due = QuestionFollow.objects.due().order_by("question", "subscriber")
    return list(due.values_list("subscriber", "question"))


def send_answer(*, subscriber_id, question_id) -> bool:
    """Email one follower the answer to their question, once; True if sent now.

    As the digest: under the reader's row lock the sent record is written and
    the email sent last, so a failed send leaves nothing recorded and a
    second run finds the record and sends nothing.
    """
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.confirmed().select_for_update().filter(pk=subscriber_id).first()
        )
        if subscriber is None:
            return False
        follow = QuestionFollow.objects.due().filter(subscriber=subscriber, question=question_id)
        if not follow.exists():
            return False
        question = OpenQuestion.objects.select_related("story__topic", "answered_in__topic").get(
            pk=question_id
        )
        SentAnswer.objects.create(subscriber=subscriber, question=question)
        answer_message(subscriber, question).send()
    return True
