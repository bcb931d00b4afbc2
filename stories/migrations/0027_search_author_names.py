"""Stories are found by their authors' names: every search vector is built again.

Fresh databases have no stories to build for. SQLite keeps no vectors.
"""

from django.db import migrations


def refresh(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if not apps.get_model("stories", "Story").objects.exists():
        return
    from stories.search import refresh_search_vectors

    refresh_search_vectors()


class Migration(migrations.Migration):
    dependencies = [
        ("stories", "0026_correction_newest"),
    ]

    operations = [
        migrations.RunPython(refresh, migrations.RunPython.noop),
    ]
