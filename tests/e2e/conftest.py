"""Browser tests: Debian's Chromium driven by Playwright against a live server.

They need /usr/bin/chromium (`apt-get install chromium`) and axe-core
(`npm ci`). Where either is missing they are skipped with the reason, unless
E2E_REQUIRED is set, as CI sets it: there a missing browser is a failure.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; Django's guard
# against database calls from async code would otherwise refuse the fixtures.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
AXE = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = settings.BASE_DIR / "artifacts" / "screenshots"
WIDTHS = {"phone": 375, "desktop": 1280}


def missing_tools():
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        missing.append("axe-core (npm ci)")
    return missing


def pytest_collection_modifyitems(config, items):
    e2e = [item for item in items if item.get_closest_marker("e2e")]
    missing = missing_tools()
    if not e2e or not missing:
        return
    if os.environ.get("E2E_REQUIRED"):
        raise pytest.UsageError("Browser tests need " + " and ".join(missing))
    for item in e2e:
        item.add_marker(pytest.mark.skip(reason="not installed: " + ", ".join(missing)))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Fail a browser test if any page it opened broke its Content-Security-Policy.

    Chromium reports each refused script, style or image on the console.
    """
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    violations = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    yield violations
    assert violations == [], "Content-Security-Policy violations"


@pytest.fixture
def site_url(live_server):
    return live_server.url


def screenshot(page, name):
    """Full-page screenshots at phone and desktop widths, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=SCREENSHOTS / f"{name}-{label}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def axe_violations(page, impacts=("serious", "critical")):
    """Run axe-core in the page; return its serious and critical violations."""
    # Evaluated through the DevTools protocol, as a <script> element would be
    # refused by the page's Content-Security-Policy (no inline scripts).
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in impacts
    ]
