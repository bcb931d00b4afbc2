"""The Content-Security-Policy in a real browser: it holds, and it does not break pages."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_inline_script_slipped_into_a_public_page_is_refused(page, site_url, no_csp_violations):
    page.goto(site_url + "/")
    page.evaluate(
        """() => {
            window.ran = false;
            const script = document.createElement("script");
            script.textContent = "window.ran = true";
            document.body.append(script);
        }"""
    )
    assert page.evaluate("window.ran") is False
    assert any("script-src" in v for v in no_csp_violations)
    no_csp_violations.clear()  # the violation was the point


def test_the_stylesheet_applies_under_the_policy(page, site_url):
    page.goto(site_url + "/")
    # site.css defines the --sans font stack; a refused stylesheet defines nothing.
    sans = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--sans')")
    assert sans.strip()
