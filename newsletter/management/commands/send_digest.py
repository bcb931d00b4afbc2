from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus

from newsletter.models import Subscriber
from newsletter.tasks import send_digest


def plural(count, singular, plural_form):
    return f"{count} {singular if count == 1 else plural_form}"


def _sent(counts) -> str:
    """“2 stories and 1 correction”: what one digest carried, or "" for nothing."""
    parts = [
        plural(counts[key], singular, plural_form)
        for key, singular, plural_form in (
            ("stories", "story", "stories"),
            ("corrections", "correction", "corrections"),
        )
        if counts[key]
    ]
    return " and ".join(parts)


class Command(BaseCommand):
    help = (
        "Queue one digest task per confirmed subscriber: the stories published in their "
        "topics that no digest has sent them yet, and corrections to stories digests did "
        "send them. Safe to rerun: a story goes to a reader "
        "once, and a failed send is retried (by the task, then by the next run)."
    )

    def handle(self, *args, **options):
        subscribers = list(Subscriber.objects.confirmed().order_by("pk").values_list("pk", "email"))
        results = [(email, send_digest.enqueue(subscriber_id=pk)) for pk, email in subscribers]
        digests = stories = corrections = idle = failed = queued = 0
        # A worker runs them later; the immediate backend (TASKS_BACKEND=immediate)
        # has run them already, so their outcome can be told here.
        for email, result in results:
            if result.status == TaskResultStatus.FAILED:
                failed += 1
                error = result.errors[-1].exception_class_path if result.errors else "?"
                self.stderr.write(f"{email}: failed, will retry on the next run ({error})")
            elif result.status != TaskResultStatus.SUCCESSFUL:
                queued += 1
            elif sent := _sent(result.return_value):
                digests += 1
                stories += result.return_value["stories"]
                corrections += result.return_value["corrections"]
                self.stdout.write(f"{email}: sent {sent}")
            else:
                idle += 1
                self.stdout.write(f"{email}: nothing new")
        if queued:
            self.stdout.write(f"Queued {plural(queued, 'digest', 'digests')} for the task worker.")
        if not results or queued < len(results):
            also = f", {plural(corrections, 'correction', 'corrections')}" if corrections else ""
            self.stdout.write(
                f"Sent {plural(digests, 'digest', 'digests')} "
                f"({plural(stories, 'story', 'stories')}{also}); "
                f"{plural(idle, 'subscriber', 'subscribers')} had nothing new; {failed} failed"
            )
        if failed:
            # A non-zero exit status, for whatever schedules the command to notice.
            raise CommandError(f"{plural(failed, 'digest', 'digests')} could not be sent.")
