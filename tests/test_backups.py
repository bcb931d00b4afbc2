"""A backup made by backup_db restores with restore_db into an empty database, whole."""

import psycopg
import pytest
import reversion
from django.core.management import CommandError, call_command
from django.db import connection

from newsletter.models import SentStory
from stories.models import Story

from .factories import SubscriberFactory, complete_story

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="pg_dump and pg_restore back up PostgreSQL only; CI runs this on PostgreSQL",
)


@pytest.fixture
def empty_database():
    """A new, empty database on the same server, as `createdb` makes one; dropped after.

    Named after the test database, so parallel workers and runs each have their own.
    """
    settings = connection.settings_dict
    restored = f"{settings['NAME']}_restored"
    server = {
        "host": settings["HOST"], "port": settings["PORT"] or 5432,
        "user": settings["USER"], "password": settings["PASSWORD"], "dbname": "postgres",
    }  # fmt: skip
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{restored}"')
    yield server | {"dbname": restored}
    with psycopg.connect(**server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')


def rows_per_table(cursor, tables):
    found = {}
    for table in tables:
        cursor.execute(f'SELECT * FROM "{table}"')
        found[table] = sorted(map(repr, cursor.fetchall()))
    return found


@pytest.fixture
def newsroom_with_history(transactional_db, topic, editor):
    """Stories with sources and revisions, readers, and digests sent to them; committed,
    as pg_dump sees only committed rows."""
    stories = [complete_story(size=3, topic=topic) for _ in range(2)]
    for story in stories:
        for title in ("First draft", "Second draft"):
            with reversion.create_revision():
                story.title = title
                story.save()
                reversion.set_user(editor)
    readers = [SubscriberFactory(topics=[topic]) for _ in range(3)]
    for reader in readers:
        SentStory.objects.create(subscriber=reader, story=stories[0])
    return stories


def test_a_backup_restores_into_an_empty_database_with_every_row(
    newsroom_with_history, empty_database, tmp_path
):
    backup = tmp_path / "factlen.dump"
    call_command("backup_db", output=str(backup))
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST']}:"
        f"{settings['PORT'] or 5432}/{empty_database['dbname']}"
    )
    call_command("restore_db", str(backup), database_url=url)

    tables = connection.introspection.table_names()
    # Both read the same way (one client, one time zone), so equal rows compare equal.
    with psycopg.connect(**(empty_database | {"dbname": settings["NAME"]})) as site:
        before = rows_per_table(site.cursor(), tables)
    with psycopg.connect(**empty_database) as restored:
        after = rows_per_table(restored.cursor(), tables)
    # The rows that matter are there to compare, not just empty tables.
    for table in (
        Story._meta.db_table, "reversion_version", "reversion_revision", "sources_source",
        "newsletter_subscriber", "newsletter_sentstory", "stories_citation",
    ):  # fmt: skip
        assert before[table], f"no rows in {table}"
    assert {t: len(rows) for t, rows in after.items()} == {t: len(r) for t, r in before.items()}
    assert after == before


def test_restore_refuses_a_database_that_has_tables(newsroom_with_history, tmp_path):
    backup = tmp_path / "factlen.dump"
    call_command("backup_db", output=str(backup))
    with pytest.raises(CommandError, match="already has tables"):
        call_command("restore_db", str(backup))
    assert Story.objects.count() == 2


def test_uploaded_media_is_backed_up_beside_the_dump(db, tmp_path):
    import tarfile

    from .factories import StoryFactory
    from .images import with_image

    story = with_image(StoryFactory())
    backup = tmp_path / "factlen.dump"
    call_command("backup_db", output=str(backup))
    with tarfile.open(tmp_path / "factlen.media.tar.gz") as archive:
        assert archive.getnames() == [story.image.name]
        kept = archive.extractfile(story.image.name).read()
    assert kept == story.image.open("rb").read()
