import getpass
import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

ROLES = {"writer": "Writer", "editor": "Editor"}


class Command(BaseCommand):
    help = "Create (or update) a newsroom account with the Writer or Editor role."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), required=True)
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password",
            help="Without it, asked for on a terminal, or generated and printed once.",
        )

    @transaction.atomic
    def handle(self, *args, username, role, email, password, **options):
        if password is None and sys.stdin.isatty():
            password = getpass.getpass(f"Password for {username}: ")
        generated = password is None
        password = password or secrets.token_urlsafe(16)
        user, created = get_user_model().objects.get_or_create(username=username)
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        user.email = email or user.email
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.groups.remove(*Group.objects.filter(name__in=ROLES.values()))
        user.groups.add(Group.objects.get(name=ROLES[role]))
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {role} {username!r}.")
        if generated:
            self.stdout.write(f"Password (shown once): {password}")
