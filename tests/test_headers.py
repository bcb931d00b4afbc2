"""Security headers on every kind of page: public, admin, and the server error page."""

import re

import pytest
from django.test import Client
from django.urls import path

from factlen import headers, urls

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    directives = (d.split() for d in response["Content-Security-Policy"].split(";"))
    return {name: sources for name, *sources in directives}


def test_public_pages_get_the_strict_policy(client, published_story):
    for url in ("/", published_story.get_absolute_url(), "/search/?q=x", "/feeds/rss/"):
        csp = policy(client.get(url))
        assert csp["default-src"] == ["'self'"], url
        assert csp["script-src"] == ["'self'"]
        assert csp["style-src"] == ["'self'"]
        assert csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert csp["base-uri"] == ["'none'"]


def test_the_admin_gets_its_own_policy_with_scripts_still_from_files_only(editor_client):
    csp = policy(editor_client.get("/admin/stories/story/add/"))
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" in csp["style-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy(editor_client.get("/"))["style-src"]


def test_every_page_turns_off_browser_features_it_does_not_use(client, editor_client):
    for response in (client.get("/"), editor_client.get("/admin/")):
        features = dict(
            item.strip().split("=") for item in response["Permissions-Policy"].split(",")
        )
        assert features["camera"] == features["geolocation"] == features["microphone"] == "()"


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), *urls.urlpatterns]


@pytest.mark.urls(__name__)
def test_the_server_error_page_may_use_exactly_its_own_inline_style(settings):
    settings.DEBUG = False
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    (style,) = re.findall(r"<style>(.*?)</style>", html, flags=re.DOTALL)
    assert policy(response)["style-src"] == [
        "'self'",
        headers.style_hash(f"<style>{style}</style>"),
    ]
    assert "style=" not in html  # a style attribute would need 'unsafe-hashes'


def test_hsts_carries_subdomains_and_preload_when_set(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get("/robots.txt", secure=True)
    assert response["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
