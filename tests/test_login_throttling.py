"""Log-ins are throttled (django-axes): per account and per address, with a cool-off."""

import datetime
import itertools

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.db.models import F

from .factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
LOGIN = "/admin/login/?next=/admin/"
GUESSES_A_MINUTE = 4  # 240 an hour, each from a new address
# A new client address for each attempt, from the IPv6 documentation prefix.
addresses = (f"2001:db8::{n:x}" for n in itertools.count(1))


class CountingHasher(PBKDF2PasswordHasher):
    """Django's own hasher, counting the passwords it checks."""

    checked = 0
    iterations = 1000  # fast; the count, not the cost, is under test

    def verify(self, password, encoded):
        CountingHasher.checked += 1
        return super().verify(password, encoded)


@pytest.fixture
def alice(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.checked = 0
    return UserFactory(username="alice", is_staff=True, is_superuser=True)


def log_in(client, password, *, username="alice", address=None):
    return client.post(
        LOGIN,
        {"username": username, "password": password},
        REMOTE_ADDR=address or next(addresses),
    )


def logged_in(response):
    return response.status_code == 302 and response["Location"] == "/admin/"


def age_attempts(minutes):
    """Move the clock on: every recorded failure happened `minutes` earlier."""
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - datetime.timedelta(minutes=minutes)
    )


def test_an_account_is_locked_after_five_failures_from_any_addresses(client, alice):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        response = log_in(client, f"wrong {n}")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()
    response = log_in(client, "wrong again")
    assert response.status_code == 429
    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(response)
    page = response.content.decode()
    assert "Too many failed log-ins" in page
    assert "paused for 15 minutes: try again after" in page
    assert "ask an administrator to lift the lock" in page.replace("Ask", "ask")


def test_an_address_is_locked_after_five_failures_whatever_the_usernames(client, alice):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "wrong", username=f"nobody{n}", address="203.0.113.7")
    response = log_in(client, PASSWORD, address="203.0.113.7")
    assert response.status_code == 429
    assert logged_in(log_in(client, PASSWORD, address="203.0.113.8"))


def test_x_forwarded_for_does_not_change_the_address_counted(client, alice):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            LOGIN,
            {"username": f"nobody{n}", "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    assert log_in(client, PASSWORD, address="203.0.113.9").status_code == 429


def test_the_lock_lifts_by_itself_after_the_cool_off(client, alice):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"wrong {n}")
    age_attempts(14)
    assert log_in(client, PASSWORD).status_code == 429
    age_attempts(2)
    assert logged_in(log_in(client, PASSWORD))


def test_an_administrator_can_lift_a_lock_at_once(client, alice):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"wrong {n}")
    call_command("axes_reset_username", "alice", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert logged_in(log_in(client, PASSWORD))


def test_administrators_see_the_lockouts_in_the_admin(client, alice):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"wrong {n}", username="bob")
    client.force_login(alice)
    page = client.get("/admin/axes/accessattempt/").content.decode()
    assert "bob" in page


def test_a_success_clears_the_count(client, alice):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, f"wrong {n}")
    assert logged_in(log_in(client, PASSWORD))
    client.logout()
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, f"wrong {n}").status_code == 200


def test_an_hour_of_guessing_from_ever_new_addresses_checks_at_most_100_passwords(client, alice):
    """OWASP ASVS 2.2.1: no more than 100 failed attempts an hour on one account."""
    refused = 0
    for _minute in range(60):
        for n in range(GUESSES_A_MINUTE):
            response = log_in(client, f"guess {_minute}-{n}")
            assert not logged_in(response)
            refused += response.status_code == 429
        age_attempts(1)
    guesses = CountingHasher.checked
    assert guesses <= 100
    # The log-in view really checked passwords, and the lock did the limiting:
    # a handful per cool-off, the rest refused unread.
    assert settings.AXES_FAILURE_LIMIT <= guesses <= 5 * settings.AXES_FAILURE_LIMIT
    assert refused >= 60 * GUESSES_A_MINUTE - guesses


def test_staff_passwords_need_twelve_characters_and_may_not_be_common():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("Tr0ub4dor&3", "password1234", "123456789012"):
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password(PASSWORD)


def test_a_session_ends_with_the_browser_and_after_eight_hours(client, alice):
    response = log_in(client, PASSWORD)
    assert logged_in(response)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]  # a browser-session cookie
    assert cookie["httponly"]
    assert client.session.get_expiry_age() == 8 * 60 * 60
