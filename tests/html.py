"""Reading pages in tests as a browser does: parsed, not as strings.

A substring check on markup breaks when a harmless thing changes (attribute
order, whitespace, an added class); these compare structure instead. For a
whole element, use pytest_django.asserts.assertInHTML; to find elements by
tag and attributes, or read their text, use the helpers here (built on the
parser Django's own assertInHTML uses).
"""

from django.test.html import Element, parse_html


def parse(html: str) -> Element:
    return parse_html(html)


def elements(node, tag: str, **attrs) -> list[Element]:
    """Every element named `tag` under `node` whose attributes include `attrs`.

    `class_="x"` matches an element with the class x among its classes; an
    attribute given as True only has to be present.
    """
    found = []
    for child in getattr(node, "children", []):
        if isinstance(child, str):
            continue
        if child.name == tag and _has(child, attrs):
            found.append(child)
        found += elements(child, tag, **attrs)
    return found


def _has(element: Element, attrs: dict) -> bool:
    present = dict(element.attributes)
    for name, wanted in attrs.items():
        name = name.rstrip("_").replace("_", "-")
        if name not in present:
            return False
        if name == "class" and wanted is not True:
            if wanted not in (present[name] or "").split():
                return False
        elif wanted is not True and present[name] != wanted:
            return False
    return True


def text(node) -> str:
    """The text of `node` and everything in it, spaces normalised."""
    if isinstance(node, str):
        return node
    return " ".join(" ".join(text(child) for child in node.children).split())


def attribute(element: Element, name: str):
    return dict(element.attributes).get(name)
