import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stories.limits import PACKAGE_BYTES, too_big
from stories.package_format import parse_package
from stories.packages import PackageInvalid, import_package


class Command(BaseCommand):
    help = (
        "Import story packages (JSON, format factlen.story/1). Each file is imported "
        "whole or not at all; a story whose slug exists is updated in place. A lead "
        "image is read from beside the package file (image.path)."
    )

    # Django's own --skip-checks (system checks) would take the option's name.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="Package files; '-' reads standard input.")
        parser.add_argument(
            "--skip-checks",
            # Not "skip_checks": call_command() sets that (for system checks) to True.
            dest="skip_publish_checks",
            action="store_true",
            help="Publish past failed publish checks (for migrating old stories); "
            "recorded in each story's history.",
        )

    def handle(self, *args, files, skip_publish_checks, **options):
        failed = 0
        for name in files:
            try:
                data = self.read(name)
                folder = None if name == "-" else Path(name).resolve().parent
                result = import_package(data, skip_checks=skip_publish_checks, folder=folder)
            except PackageInvalid as exc:
                failed += 1
                for problem in exc.problems:
                    self.stderr.write(f"{name}: {problem}")
                continue
            except CommandError as exc:
                failed += 1
                self.stderr.write(f"{name}: {exc}")
                continue
            story = result.story
            verb = "Created" if result.created else "Updated"
            self.stdout.write(f"{verb} {story.slug} ({story.topic.slug}, {story.status})")
            for note in result.notes:
                self.stdout.write(f"{name}: note: {note}")
        if failed:
            raise CommandError(
                f"{failed} of {len(files)} package(s) not imported; nothing was written for them."
            )

    def read(self, name):
        """The decoded package; an oversized file is refused before it is read whole."""
        try:
            if name == "-":
                raw = sys.stdin.read(PACKAGE_BYTES + 1)  # characters: at least as many bytes
            else:
                path = Path(name)
                if path.stat().st_size > PACKAGE_BYTES:
                    raise PackageInvalid([too_big(path.stat().st_size)])
                with path.open("rb") as file:
                    raw = file.read(PACKAGE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"cannot read the file ({exc})") from None
        if len(raw) > PACKAGE_BYTES:
            raise PackageInvalid([f"{too_big(len(raw))} (or more)"])
        return parse_package(raw)
