from django.core.management.base import BaseCommand

from stories.models import Author, Story
from stories.tasks import render_author_photo, render_lead_image


def _missing(model, field):
    """(id, image name) of rows whose renditions are not of their image."""
    rows = model.objects.exclude(**{field: ""}).values_list("pk", field, f"{field}_renditions")
    return [(pk, name) for pk, name, kept in rows.iterator() if (kept or {}).get("of") != name]


class Command(BaseCommand):
    help = (
        "Queue the making of every lead image's and author photo's missing sizes: "
        "images stored before sizes were made, or whose task gave up."
    )

    def handle(self, *args, **options):
        stories, authors = _missing(Story, "image"), _missing(Author, "photo")
        for story_id, image in stories:
            render_lead_image.enqueue(story_id=story_id, image=image)
        for author_id, photo in authors:
            render_author_photo.enqueue(author_id=author_id, photo=photo)
        self.stdout.write(
            f"Queued {len(stories)} lead image(s) and {len(authors)} author photo(s)."
        )
