from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from factlen.backups import database_from_url, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_db into an empty database: the site's "
        "(DATABASE_URL), or another with --database-url to test a backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", help="a file written by backup_db")
        parser.add_argument(
            "--database-url",
            help="restore here instead, e.g. postgres://factlen:…@127.0.0.1:5432/factlen_restored",
        )

    def handle(self, *args, backup, database_url=None, **options):
        database = (
            database_from_url(database_url) if database_url else settings.DATABASES["default"]
        )
        restore(database, Path(backup))
        self.stdout.write(f"Restored {backup} into {database['NAME']}")
