from django.core.management.base import BaseCommand, CommandError

from newsletter.models import Subscriber
from newsletter.services import send_digest


def plural(count, singular, plural_form):
    return f"{count} {singular if count == 1 else plural_form}"


class Command(BaseCommand):
    help = (
        "Email each confirmed subscriber the stories published in their topics that no "
        "digest has sent them yet. Safe to rerun: a story goes to a reader once, and a "
        "failed send is retried by the next run."
    )

    def handle(self, *args, **options):
        digests = stories = idle = failed = 0
        subscribers = list(Subscriber.objects.confirmed().order_by("pk").values_list("pk", "email"))
        for pk, email in subscribers:
            try:
                count = send_digest(subscriber_id=pk)
            except Exception as error:
                # One reader's failed send must not cost the others their digest.
                failed += 1
                self.stderr.write(f"{email}: failed, will retry on the next run ({error!r})")
                continue
            if count:
                digests += 1
                stories += count
                self.stdout.write(f"{email}: sent {plural(count, 'story', 'stories')}")
            else:
                idle += 1
                self.stdout.write(f"{email}: nothing new")
        self.stdout.write(
            f"Sent {plural(digests, 'digest', 'digests')} ({plural(stories, 'story', 'stories')}); "
            f"{plural(idle, 'subscriber', 'subscribers')} had nothing new; {failed} failed"
        )
        if failed:
            # A non-zero exit status, for whatever schedules the command to notice.
            raise CommandError(f"{plural(failed, 'digest', 'digests')} could not be sent.")
