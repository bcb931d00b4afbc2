import json
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from sources.models import Outlet, OutletDomain
from stories.models import Author
from stories.package_format import parse_package
from stories.packages import import_package

DEMO = Path(__file__).resolve().parents[2] / "demo"
PACKAGES = DEMO / "packages"
OUTLETS = DEMO / "outlets.json"
AUTHORS = DEMO / "authors.json"
ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Load the demo stories (fictional, from stories/demo/packages). Safe to run "
        "again: existing demo stories are updated in place."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin",
            action="store_true",
            help="Also make sure a superuser 'admin' exists, and print its login. The "
            "password is generated once and kept in data/demo-admin-password.",
        )

    @transaction.atomic
    def handle(self, *args, admin, **options):
        # Outlets first, so the stories' sources match them by domain.
        outlets = json.loads(OUTLETS.read_text(encoding="utf-8"))
        for entry in outlets:
            domains = entry.pop("domains")
            outlet, _ = Outlet.objects.update_or_create(slug=entry["slug"], defaults=entry)
            for domain in domains:
                OutletDomain.objects.update_or_create(domain=domain, defaults={"outlet": outlet})
        # Authors too: the packages name them by slug; their profiles are here.
        authors = json.loads(AUTHORS.read_text(encoding="utf-8"))
        for entry in authors:
            Author.objects.update_or_create(slug=entry["slug"], defaults=entry)
        files = sorted(PACKAGES.glob("*.json"))
        packages = [parse_package(path.read_bytes()) for path in files]
        # Newest first: a question links to the later story that answers it
        # only if that story is here when the question's story is imported.
        packages.sort(key=lambda data: data.get("published_at") or "", reverse=True)
        for data in packages:
            import_package(data, folder=PACKAGES)
        self.stdout.write(
            f"Demo content: {len(outlets)} outlets, {len(authors)} authors and "
            f"{len(files)} stories "
            f"loaded from {PACKAGES.parent}."
        )
        if admin:
            password = self.ensure_admin()
            self.stdout.write(
                self.style.SUCCESS(
                    "Admin login: http://127.0.0.1:8000/admin/ "
                    f"user {ADMIN_USERNAME!r}, password {password!r}"
                )
            )

    def ensure_admin(self):
        secret_file = settings.DATA_DIR / "demo-admin-password"
        if secret_file.exists():
            password = secret_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(12)
            secret_file.write_text(password + "\n")
            secret_file.chmod(0o600)
        user, _ = get_user_model().objects.get_or_create(
            username=ADMIN_USERNAME, defaults={"email": "admin@localhost"}
        )
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        return password
