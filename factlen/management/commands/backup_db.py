import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from factlen.backups import dump


class Command(BaseCommand):
    help = "Write a backup of the database (pg_dump, custom format) to a file."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="the file to write (default: backups/factlen-YYYYMMDD-HHMMSS.dump)",
        )

    def handle(self, *args, output=None, **options):
        if output is None:
            stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%d-%H%M%S")
            output = settings.BASE_DIR / "backups" / f"factlen-{stamp}.dump"
        output = Path(output)
        dump(settings.DATABASES["default"], output)
        self.stdout.write(f"Backed up to {output} ({output.stat().st_size:,} bytes)")
