import django.contrib.postgres.search
from django.db import migrations, models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce


def count_published(apps, schema_editor):
    """Fill the kept counts from the rows, as stories.counts keeps them."""
    Topic = apps.get_model("stories", "Topic")
    Citation = apps.get_model("stories", "Citation")
    Story = apps.get_model("stories", "Story")
    Outlet = apps.get_model("sources", "Outlet")

    def count(rows, group_by, counted="pk", distinct=False):
        rows = rows.order_by().values(group_by).annotate(n=Count(counted, distinct=distinct))
        return Coalesce(Subquery(rows.values("n"), output_field=IntegerField()), 0)

    stories = Story.objects.filter(status="published", topic=OuterRef("pk"))
    Topic.objects.update(published_story_count=count(stories, "topic"))
    citing = Citation.objects.filter(story__status="published", source__outlet=OuterRef("pk"))
    Outlet.objects.update(
        published_story_count=count(citing, "source__outlet", "story", distinct=True)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0010_preview_links"),
        ("sources", "0006_outlet_published_story_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="topic",
            name="published_story_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AlterField(
            model_name="story",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(
                editable=False, null=True, serialize=False
            ),
        ),
        migrations.RunPython(count_published, migrations.RunPython.noop),
    ]
