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
