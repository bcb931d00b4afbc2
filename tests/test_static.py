from django.conf import settings

CSS_BUDGET = 30 * 1024


def test_total_css_stays_under_30_kb():
    total = sum(path.stat().st_size for path in (settings.BASE_DIR / "static").rglob("*.css"))
    assert 0 < total < CSS_BUDGET, f"{total} bytes of CSS"


def test_stylesheet_has_dark_and_print_styles():
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    assert "@media (prefers-color-scheme: dark)" in css
    assert "@media print" in css
    assert "@import" not in css and "url(http" not in css  # nothing from other hosts


def test_the_server_error_page_stands_alone(client, settings):
    """500.html renders with no context and no database: it must not need either."""
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "<h1>Something went wrong on our side</h1>" in html
    assert "{{" not in html and "{%" not in html
