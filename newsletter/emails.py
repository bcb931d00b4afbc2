"""The newsletter's email: links made absolute, both parts rendered, and the
headers that let mail clients unsubscribe in one click (RFC 8058)."""

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil

from . import tokens


def absolute_url(path):
    return settings.SITE_URL + path


def confirm_valid_for():
    """How long a confirmation link works, in words: “3 days”."""
    now = timezone.now()
    return timeuntil(now + datetime.timedelta(seconds=settings.NEWSLETTER_CONFIRM_MAX_AGE), now)


def _message(subscriber, *, subject, template, context):
    token = tokens.manage_token(subscriber)
    unsubscribe_url = absolute_url(reverse("newsletter:unsubscribe", args=[token]))
    context = {
        **context,
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "manage_url": absolute_url(reverse("newsletter:manage", args=[token])),
        "unsubscribe_url": unsubscribe_url,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"newsletter/email/{template}.txt", context),
        to=[subscriber.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string(f"newsletter/email/{template}.html", context), "text/html"
    )
    return message


def confirmation_message(subscriber):
    token = tokens.confirm_token(subscriber)
    return _message(
        subscriber,
        subject=f"Confirm your {settings.SITE_NAME} newsletter",
        template="confirm",
        context={
            "topics": list(subscriber.topics.all()),
            "confirm_url": absolute_url(reverse("newsletter:confirm", args=[token])),
            "valid_for": confirm_valid_for(),
        },
    )


def digest_message(subscriber, stories):
    """One email with every story in `stories` (from `Subscriber.new_stories`)."""
    for story in stories:
        story.absolute_url = absolute_url(story.get_absolute_url())
    count = len(stories)
    return _message(
        subscriber,
        subject=f"{settings.SITE_NAME}: {count} new stor{'y' if count == 1 else 'ies'}",
        template="digest",
        context={"stories": stories},
    )
