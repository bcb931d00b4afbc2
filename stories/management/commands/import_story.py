import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stories.packages import PackageInvalid, import_package


class Command(BaseCommand):
    help = (
        "Import story packages (JSON, format factlen.story/1). Each file is imported "
        "whole or not at all; a story whose slug exists is updated in place."
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
                result = import_package(data, skip_checks=skip_publish_checks)
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
        try:
            text = sys.stdin.read() if name == "-" else Path(name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read the file ({exc})") from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
            ) from None
