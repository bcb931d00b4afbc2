""".env.example lists every variable the site, gunicorn and the compose file read, and no other."""

import re

from django.conf import settings

BASE = settings.BASE_DIR


def names_in_example():
    text = (BASE / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def names_read_by_the_code():
    settings_module = (BASE / "factlen" / "settings.py").read_text()
    read = set(re.findall(r"\benv\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", settings_module))
    gunicorn = (BASE / "gunicorn.conf.py").read_text()
    read |= set(re.findall(r"environ\.get\(\"([A-Z][A-Z0-9_]*)\"", gunicorn))
    compose = (BASE / "docker-compose.yml").read_text()
    read |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", compose))
    return read


def test_the_code_reads_variables_from_the_environment():
    # The patterns below must keep finding something, or the comparison proves nothing.
    assert {"SECRET_KEY", "DATABASE_URL", "WEB_CONCURRENCY", "DOMAIN"} <= names_read_by_the_code()


def test_every_variable_the_code_reads_is_in_env_example():
    assert names_read_by_the_code() - names_in_example() == set()


def test_env_example_lists_no_variable_the_code_does_not_read():
    assert names_in_example() - names_read_by_the_code() == set()
