"""Find the pages and forms a site offers, starting from a few addresses.

A small breadth-first crawl through the Django test client: same-site links
and forms only, one visit per view (the change page of one story stands for
all), never a link that logs out or a form that deletes. What it collects is
what the odd-input tests then try.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.urls import Resolver404, resolve

SKIP = ("/logout/", "/delete/", "/static/", "/password_change/")


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (name, kind, value)


class _PageParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.forms, self._form, self._select = [], [], None, None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif self._form and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "file", "reset"):
                self._form.fields.append((a["name"], kind, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def view_of(path):
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return (match.view_name, match.route)


def crawl(client, starts, *, limit=150):
    """(pages, forms): a path for each view, with the query names seen for it, and the forms."""
    queue = list(starts)
    params = defaultdict(set)
    forms = {}
    seen = {}
    while queue and len(seen) < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or any(s in parts.path for s in SKIP):
            continue
        view = view_of(parts.path)
        if view is None:
            continue
        params[view] |= {name for name, _ in parse_qsl(parts.query)}
        if view in seen:
            continue
        seen[view] = parts.path
        response = client.get(url)
        if "html" not in response.get("Content-Type", ""):
            continue
        parser = _PageParser()
        parser.feed(response.content.decode())
        for href in parser.links:
            if not href.startswith(("#", "mailto:", "javascript:")):
                queue.append(urljoin(parts.path, href))
        for form in parser.forms:
            action = urljoin(url, form.action) if form.action else url
            if any(s in action for s in SKIP):
                continue
            key = (view_of(urlsplit(action).path), form.method, tuple(n for n, *_ in form.fields))
            forms.setdefault(key, Form(action, form.method, form.fields))
            if form.method == "get":
                queue.append(action)
    return {path: params[view] for view, path in seen.items()}, list(forms.values())
