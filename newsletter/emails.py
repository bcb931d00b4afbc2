"""The newsletter's email: links made absolute, both parts rendered, and the
headers that let mail clients unsubscribe in one click (RFC 8058)."""

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
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
        # A reader who only follows a question asked for no newsletter.
        subject=(
            f"Confirm your {settings.SITE_NAME} newsletter"
            if subscriber.topics.exists()
            else f"Confirm your address to follow a question on {settings.SITE_NAME}"
        ),
        template="confirm",
        context={
            "topics": list(subscriber.topics.all()),
            "questions": list(subscriber.followed_questions()),
            "confirm_url": absolute_url(reverse("newsletter:confirm", args=[token])),
            "valid_for": confirm_valid_for(),
        },
    )


def digest_message(subscriber, stories, corrections=()):
    """One email with every story in `stories` (from `Subscriber.new_stories`)
    and every note in `corrections` (from `Subscriber.new_corrections`)."""
    for story in stories:
        story.absolute_url = absolute_url(story.get_absolute_url())
    for correction in corrections:
        correction.absolute_url = absolute_url(correction.story.get_absolute_url() + "#updates")
    return _message(
        subscriber,
        subject=f"{settings.SITE_NAME}: {digest_subject(len(stories), len(corrections))}",
        template="digest",
        context={"stories": stories, "corrections": corrections},
    )


def digest_subject(stories: int, corrections: int) -> str:
    """“2 new stories”, “1 new story and a correction”, “a correction to a story we sent you”."""
    new = f"{stories} new stor{'y' if stories == 1 else 'ies'}" if stories else ""
    notes = "a correction" if corrections == 1 else f"{corrections} corrections"
    if not corrections:
        return new
    if new:
        return f"{new} and {notes}"
    return f"{notes} to {'a story' if corrections == 1 else 'stories'} we sent you"


def answer_message(subscriber, question):
    """The one email to a follower: their question, its answer's story and paragraph."""
    answer = question.answered_in
    return _message(
        subscriber,
        # One line, however the question was typed: a header may hold no line break.
        subject=Truncator(f"Answered: {' '.join(question.text.split())}").chars(150),
        template="answer",
        context={
            "question": question,
            "answer": answer,
            "answer_url": absolute_url(answer.get_absolute_url()),
            "question_url": absolute_url(question.story.get_absolute_url()),
        },
    )
