"""Newsletter writes that span models or send email."""

import hashlib

from django.db import transaction
from django.utils import timezone

from . import ratelimit
from .emails import confirmation_message, digest_message
from .models import SentStory, Subscriber, normalize_email

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


def send_digest(*, subscriber_id) -> int:
    """Send one reader the stories that are new for them; return how many.

    The row lock keeps two runs from sending the same stories; sending last,
    inside the transaction, means a failed send rolls back the record of what
    was sent, so the next run tries the same stories again. (A crash between
    the send and the commit would send them twice: at least once, never lost.)
    """
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.confirmed().select_for_update().filter(pk=subscriber_id).first()
        )
        if subscriber is None:
            return 0
        stories = list(subscriber.new_stories())
        if not stories:
            return 0
        now = timezone.now()
        SentStory.objects.bulk_create(
            SentStory(subscriber=subscriber, story=story, sent_at=now) for story in stories
        )
        subscriber.last_digest_at = now
        subscriber.save(update_fields=["last_digest_at"])
        digest_message(subscriber, stories).send()
    return len(stories)
