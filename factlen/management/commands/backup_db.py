import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.management.base import BaseCommand

from factlen.backups import archive_media, dump


class Command(BaseCommand):
    help = (
        "Write a backup of the database (pg_dump, custom format) to a file, and of "
        "uploaded media kept as local files to a .media.tar.gz beside it."
    )

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
        if not isinstance(storages["default"], FileSystemStorage):
            self.stdout.write("Uploaded media is in object storage (STORAGE_BUCKET): not copied.")
            return
        media = output.with_name(output.name.removesuffix(".dump") + ".media.tar.gz")
        count = archive_media(settings.MEDIA_ROOT, media)
        self.stdout.write(f"Uploaded media ({count:,} files) backed up to {media}")
