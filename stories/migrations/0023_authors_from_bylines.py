"""Make authors of the bylines stories carried as text.

Each distinct name becomes one Author (a byline naming several people,
"A, B and C", gives each of them, in order); a byline starting with the
site's name ("Factlen Editorial Team") is a desk. The byline text stays on
the story: it is dropped, if ever, by a later migration.
"""

import re

from django.conf import settings
from django.db import migrations
from django.utils.text import slugify

SEPARATORS = re.compile(r",\s*|\s+and\s+|\s*&\s*")


def names_in(byline, site_name):
    byline = " ".join(byline.split())
    if not byline:
        return []
    if byline.startswith(site_name):
        return [(byline, "desk")]
    return [(name.strip(), "person") for name in SEPARATORS.split(byline) if name.strip()]


def free_slug(Author, name, taken):
    base = (slugify(name) or "author")[:70]
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


def authors_from_bylines(apps, schema_editor):
    Author = apps.get_model("stories", "Author")
    Story = apps.get_model("stories", "Story")
    StoryAuthor = apps.get_model("stories", "StoryAuthor")
    site_name = getattr(settings, "SITE_NAME", "Factlen")
    by_name = {author.name: author for author in Author.objects.all()}
    taken = set(Author.objects.values_list("slug", flat=True))
    rows = []
    stories = Story.objects.filter(story_authors__isnull=True).values_list("pk", "byline")
    for story_id, byline in stories.iterator(chunk_size=2000):
        for position, (name, kind) in enumerate(dict.fromkeys(names_in(byline, site_name))):
            name = name[:120]
            if name not in by_name:
                by_name[name] = Author.objects.create(
                    name=name, slug=free_slug(Author, name, taken), kind=kind
                )
            rows.append(StoryAuthor(story_id=story_id, author=by_name[name], position=position))
        if len(rows) >= 2000:
            StoryAuthor.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    StoryAuthor.objects.bulk_create(rows, ignore_conflicts=True)


def forget_story_authors(apps, schema_editor):
    """Back: the bylines' text was never changed; the links and authors go."""
    apps.get_model("stories", "StoryAuthor").objects.all().delete()
    apps.get_model("stories", "Author").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("stories", "0022_author_and_story_authors")]

    operations = [migrations.RunPython(authors_from_bylines, forget_story_authors)]
