from django.core.management.base import BaseCommand

from newsletter import services
from newsletter.tasks import send_answer


class Command(BaseCommand):
    help = (
        "Queue one email per reader following a question that a live story now answers "
        "(a scheduled answer goes once its story is live). Safe to rerun: each follower "
        "gets one email per question."
    )

    def handle(self, *args, **options):
        due = services.answers_due()
        for subscriber_id, question_id in due:
            send_answer.enqueue(subscriber_id=subscriber_id, question_id=question_id)
        self.stdout.write(f"Queued {len(due)} answer email{'' if len(due) == 1 else 's'}.")
