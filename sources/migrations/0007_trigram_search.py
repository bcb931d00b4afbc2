"""Trigram indexes for the admin's search of outlets and sources.

Django's icontains is UPPER(column) LIKE UPPER(%term%) on PostgreSQL, so each
index is on UPPER(column): a search of three characters or more looks up
its trigrams instead of reading a hundred thousand rows. PostgreSQL only;
on SQLite this migration does nothing.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "source_title_trgm": ("sources_source", "title"),
    "source_url_trgm": ("sources_source", "url"),
    "outlet_name_trgm": ("sources_outlet", "name"),
}


class CreateTrigramExtension(TrigramExtension):
    """pg_trgm (a trusted extension: the database owner may create it).

    Kept when migrating back, as other indexes may use it; Django's own
    operation would look for it on SQLite too when reversed.
    """

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} "
            f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0006_outlet_published_story_count"),
    ]

    operations = [
        CreateTrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
