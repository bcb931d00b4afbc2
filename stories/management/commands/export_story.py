import json

from django.core.management.base import BaseCommand, CommandError

from stories.models import Story
from stories.packages import export_package


class Command(BaseCommand):
    help = "Print a story as a package (JSON, format factlen.story/1) on standard output."

    def add_arguments(self, parser):
        parser.add_argument("slug")

    def handle(self, *args, slug, **options):
        story = Story.objects.filter(slug=slug).select_related("topic").first()
        if story is None:
            raise CommandError(f"No story has the slug {slug!r}.")
        self.stdout.write(json.dumps(export_package(story), indent=2, ensure_ascii=False))
