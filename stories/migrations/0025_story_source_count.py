from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_sources(apps, schema_editor):
    """Fill the kept count from the rows, as stories.counts.recount_sources keeps it."""
    Story = apps.get_model("stories", "Story")
    Citation = apps.get_model("stories", "Citation")
    rows = Citation.objects.filter(story=OuterRef("pk")).order_by().values("story")
    counted = rows.annotate(n=Count("pk")).values("n")
    Story.objects.update(source_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0))


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0024_author_photo"),
    ]

    operations = [
        migrations.AddField(
            model_name="story",
            name="source_count",
            field=models.PositiveIntegerField(default=0, editable=False, serialize=False),
        ),
        migrations.RunPython(count_sources, migrations.RunPython.noop),
    ]
