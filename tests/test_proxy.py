"""Whether a request came over HTTPS is the server's word, or a trusted proxy's."""

import pytest

pytestmark = pytest.mark.django_db


def canonical(response):
    return response.content.decode().split('rel="canonical" href="')[1].split('"')[0]


def test_a_client_cannot_claim_https_by_sending_x_forwarded_proto(client, published_story):
    response = client.get(published_story.get_absolute_url(), HTTP_X_FORWARDED_PROTO="https")
    assert canonical(response).startswith("http://testserver/")


def test_behind_a_trusted_proxy_its_x_forwarded_proto_counts(client, published_story, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get(published_story.get_absolute_url(), HTTP_X_FORWARDED_PROTO="https")
    assert canonical(response).startswith("https://testserver")
    response = client.get(published_story.get_absolute_url())
    assert canonical(response).startswith("http://testserver/")


def failed_login_address(client, **headers):
    """The client address django-axes counts a failed log-in against."""
    from axes.models import AccessAttempt

    client.post(
        "/admin/login/?next=/admin/",
        {"username": "nobody", "password": "not-the-password"},
        REMOTE_ADDR="10.0.0.2",
        **headers,
    )
    return AccessAttempt.objects.get().ip_address


def test_a_client_cannot_choose_its_address_with_x_forwarded_for(client):
    assert failed_login_address(client, HTTP_X_FORWARDED_FOR="203.0.113.9") == "10.0.0.2"


def test_behind_a_trusted_proxy_the_address_it_appended_counts(client, settings):
    settings.TRUSTED_PROXY = True
    # A client's own X-Forwarded-For comes first; the proxy appends what it saw last.
    forwarded = "198.51.100.1, 203.0.113.9"
    assert failed_login_address(client, HTTP_X_FORWARDED_FOR=forwarded) == "203.0.113.9"
