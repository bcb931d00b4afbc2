from django.core.management.base import BaseCommand

from newsletter.tasks import send_answers


class Command(BaseCommand):
    help = (
        "Queue one email per reader following a question that a live story now answers "
        "(a scheduled answer goes once its story is live). Safe to rerun: each follower "
        "gets one email per question."
    )

    def handle(self, *args, **options):
        queued = send_answers.call()
        self.stdout.write(f"Queued {queued} answer email{'' if queued == 1 else 's'}.")
