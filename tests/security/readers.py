"""Show feeds and emails in Chromium the way their readers' clients show them.

A feed reader shows an RSS title or description, and an Atom element whose
type is "html", as HTML; other Atom text as text. A mail client shows the HTML
alternative as HTML, with no Content-Security-Policy to help. The page is
served from a made-up origin through Playwright's router, so nothing leaves
the machine.
"""

import xml.etree.ElementTree as ET
from html import escape

from .payloads import live_payloads

ATOM = "{http://www.w3.org/2005/Atom}"
READER_URL = "http://reader.invalid/"


def feed_as_html(xml: bytes) -> str:
    root = ET.fromstring(xml)
    parts = []
    if root.tag == "rss":
        channel = root.find("channel")
        for element in [channel, *channel.findall("item")]:
            for name in ("title", "description"):
                parts.append(f"<section>{element.findtext(name) or ''}</section>")
            for name in ("author", "category"):
                parts += [f"<p>{escape(e.text or '')}</p>" for e in element.findall(name)]
    else:
        for element in root.iter():
            if element.tag.removeprefix(ATOM) in ("title", "subtitle", "summary", "content"):
                text = element.text or ""
                html = text if element.get("type") in ("html", "xhtml") else escape(text)
                parts.append(f"<section>{html}</section>")
            elif element.tag in (f"{ATOM}name", f"{ATOM}category"):
                parts.append(f"<p>{escape(element.text or element.get('term') or '')}</p>")
    return "<!doctype html><html><body>" + "\n".join(parts) + "</body></html>"


def show_as_reader(page, html: str) -> dict:
    """Open `html` as a reader's client would; return what ran and what is live."""

    def serve(route):
        if route.request.url == READER_URL:
            route.fulfill(body=html, content_type="text/html; charset=utf-8")
        else:
            route.fulfill(status=404, body="")

    page.route("**/*", serve)
    page.goto(READER_URL)
    page.wait_for_timeout(200)  # image errors and toggles fire after load
    found = live_payloads(page)
    page.unroute("**/*")
    return found
