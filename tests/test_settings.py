import os
import subprocess
import sys

import pytest
from django.conf import settings


def load_settings(**env):
    """Import the settings in a fresh interpreter with exactly `env`."""
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('ok')"],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "factlen.settings"}
        | env,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = load_settings(DEBUG="false", DATABASE_URL="sqlite://:memory:")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


# What production must set besides DEBUG=false.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "factlen.example",
    "SITE_URL": "https://factlen.example",
}


def test_production_starts_with_a_secret_key_hosts_and_its_address():
    result = load_settings(**PRODUCTION, DATABASE_URL="sqlite://:memory:")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"])
def test_production_refuses_to_start_without_each_required_setting(missing):
    env = {name: value for name, value in PRODUCTION.items() if name != missing}
    result = load_settings(**env, DATABASE_URL="sqlite://:memory:")
    assert result.returncode != 0
    assert f"{missing} is not set" in result.stderr
    # Only the one missing is named.
    assert result.stderr.count("is not set") == 1


def test_development_starts_without_a_secret_key():
    result = load_settings(DEBUG="true", DATABASE_URL="sqlite://:memory:")
    assert result.returncode == 0, result.stderr


def test_a_malformed_database_url_fails_loudly():
    result = load_settings(DEBUG="true", DATABASE_URL="nosuchdb://x")
    assert result.returncode != 0
    assert "nosuchdb" in result.stderr


def setting(name, **env):
    """The value of one setting, loaded in a fresh interpreter with exactly `env`."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; "
            f"print(repr(getattr(settings, {name!r}, None)))",
        ],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        env={"PATH": os.environ.get("PATH", ""), "DJANGO_SETTINGS_MODULE": "factlen.settings"}
        | PRODUCTION
        | {"DATABASE_URL": "sqlite://:memory:"}
        | env,
        check=True,
    )
    return result.stdout.strip()


def test_x_forwarded_proto_is_ignored_unless_a_trusted_proxy_is_declared():
    assert setting("SECURE_PROXY_SSL_HEADER") == "None"
    assert setting("SECURE_PROXY_SSL_HEADER", TRUSTED_PROXY="false") == "None"
    assert setting("SECURE_PROXY_SSL_HEADER", TRUSTED_PROXY="true") == (
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_hsts_subdomains_and_preload_are_set_from_the_environment():
    assert setting("SECURE_HSTS_INCLUDE_SUBDOMAINS") == "False"
    assert setting("SECURE_HSTS_PRELOAD") == "False"
    full = {
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
    }
    assert setting("SECURE_HSTS_INCLUDE_SUBDOMAINS", **full) == "True"
    assert setting("SECURE_HSTS_PRELOAD", **full) == "True"


def test_hsts_preload_without_subdomains_or_a_years_max_age_refuses_to_start():
    for env in (
        {"SECURE_HSTS_PRELOAD": "true", "SECURE_HSTS_SECONDS": "31536000"},
        {
            "SECURE_HSTS_PRELOAD": "true",
            "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
            "SECURE_HSTS_SECONDS": "3600",
        },
    ):
        result = load_settings(**PRODUCTION, **env)
        assert result.returncode != 0
        assert "SECURE_HSTS_PRELOAD needs" in result.stderr


def test_login_throttling_that_allows_over_100_failures_an_hour_refuses_to_start():
    result = load_settings(**PRODUCTION, LOGIN_FAILURE_LIMIT="30", LOGIN_COOLOFF_MINUTES="15")
    assert result.returncode != 0
    assert "more than 100 failed log-ins an hour" in result.stderr
    assert setting("AXES_FAILURE_LIMIT", LOGIN_FAILURE_LIMIT="20") == "20"  # 5 rounds of 20


def test_an_unknown_time_zone_fails_loudly():
    result = load_settings(DEBUG="true", DATABASE_URL="sqlite://:memory:", TIME_ZONE="Mars/Olympus")
    assert result.returncode != 0
    assert "TIME_ZONE='Mars/Olympus' is not a time zone" in result.stderr


def test_the_newsroom_time_zone_comes_from_the_environment():
    assert setting("TIME_ZONE", TIME_ZONE="Europe/London") == "'Europe/London'"
    assert setting("TIME_ZONE") == "'UTC'"


def test_failed_tasks_may_not_be_forgotten_sooner_than_successful_ones():
    result = load_settings(
        DEBUG="true",
        DATABASE_URL="sqlite://:memory:",
        TASK_RESULTS_KEEP_DAYS="30",
        TASK_FAILURES_KEEP_DAYS="7",
    )
    assert result.returncode != 0
    assert "TASK_FAILURES_KEEP_DAYS=7" in result.stderr


def test_the_site_hashes_passwords_with_django_s_default_pbkdf2():
    # The suite hashes with MD5 for speed (tests/conftest.py); the site itself must not.
    hashers = setting("PASSWORD_HASHERS", **PRODUCTION, DATABASE_URL="sqlite://:memory:")
    assert hashers.startswith("['django.contrib.auth.hashers.PBKDF2PasswordHasher'")
