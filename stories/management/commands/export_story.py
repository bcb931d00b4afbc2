import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stories.models import Story
from stories.packages import export_files, export_package


class Command(BaseCommand):
    help = (
        "Print a story as a package (JSON, format factlen.story/1) on standard output, or "
        "with --to write it to DIR/<slug>.json with its lead image beside it."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument(
            "--to",
            metavar="DIR",
            help="Write the package and the files it names (its lead image, its authors' "
            "photos) to this folder.",
        )

    def handle(self, *args, slug, to=None, **options):
        story = Story.objects.filter(slug=slug).select_related("topic").first()
        if story is None:
            raise CommandError(f"No story has the slug {slug!r}.")
        text = json.dumps(export_package(story), indent=2, ensure_ascii=False)
        files = export_files(story)
        if to is None:
            self.stdout.write(text)
            if files:
                self.stderr.write(
                    f"The package names {', '.join(files)}, not written to standard output: "
                    "use --to DIR to write it beside the package."
                )
            return
        folder = Path(to)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{slug}.json").write_text(text + "\n", encoding="utf-8")
        for name, data in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
        self.stdout.write(f"Wrote {folder / f'{slug}.json'}" + "".join(f", {n}" for n in files))
