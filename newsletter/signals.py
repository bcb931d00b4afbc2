"""Answers reach their followers as soon as readers can see them.

A question answered by a live story, or a story going live that answers
questions, queues the answer emails once the transaction commits. A story
scheduled for later goes live with no save at all: the scheduler's `answers`
job (`manage.py send_answers`, every few minutes) sends those, and anything
a failed run left behind.
"""

from django.db import transaction
from django.db.models.signals import post_save

from stories.models import OpenQuestion, Story


def _queue_answers():
    from .tasks import send_answers

    send_answers.enqueue()


def _on_commit_once():
    connection = transaction.get_connection()
    if not any(hook is _queue_answers for _, hook, _ in connection.run_on_commit):
        transaction.on_commit(_queue_answers)


def question_saved(sender, instance, raw=False, **kwargs):
    if raw or instance.status != OpenQuestion.Status.ANSWERED:
        return
    if instance.answered_in_id and instance.follows.exists():
        _on_commit_once()


def story_saved(sender, instance, raw=False, **kwargs):
    if raw or not instance.is_live:
        return
    if OpenQuestion.objects.filter(answered_in=instance, follows__isnull=False).exists():
        _on_commit_once()


def connect() -> None:
    post_save.connect(question_saved, sender=OpenQuestion, dispatch_uid="follow-question-saved")
    post_save.connect(story_saved, sender=Story, dispatch_uid="follow-story-saved")
