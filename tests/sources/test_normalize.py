import pytest

from sources.normalize import InvalidURL, normalize_url


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("HTTPS://WWW.Example.ORG/News/Story", "https://www.example.org/News/Story"),
        ("https://example.org/a/b/", "https://example.org/a/b"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org:443/x", "https://example.org/x"),
        ("http://example.org:80/x", "http://example.org/x"),
        ("https://example.org:8443/x", "https://example.org:8443/x"),
        ("https://example.org/x?utm_source=nl&utm_medium=email&id=7", "https://example.org/x?id=7"),
        ("https://example.org/x?fbclid=abc&gclid=def", "https://example.org/x"),
        ("https://example.org/x?b=2&a=1", "https://example.org/x?a=1&b=2"),
        ("https://example.org/x#section-2", "https://example.org/x"),
        ("  https://example.org/x  ", "https://example.org/x"),
    ],
)
def test_urls_are_normalised_to_one_spelling(given, expected):
    assert normalize_url(given) == expected


def test_the_same_article_via_different_links_normalises_alike():
    links = [
        "https://news.example/2026/11/story/",
        "HTTPS://NEWS.example/2026/11/story?utm_campaign=x",
        "https://news.example:443/2026/11/story#comments",
    ]
    assert len({normalize_url(link) for link in links}) == 1


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("javascript:alert(1)", "only http and https"),
        ("ftp://example.org/file", "only http and https"),
        ("example.org/story", "not a URL"),
        ("https://", "not a URL"),
        ("https://exa mple.org/", "spaces"),
        ("", "empty"),
        ("https://example.org:99999/", "not a URL"),
        ("https://localhost/x", "host name is missing or incomplete"),
    ],
)
def test_non_http_or_malformed_urls_are_refused_with_a_reason(given, message):
    with pytest.raises(InvalidURL, match=message):
        normalize_url(given)
