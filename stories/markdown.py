"""Story bodies: Markdown in, safe HTML out.

markdown-it-py parses (CommonMark, raw HTML off, unsafe link schemes refused)
and nh3 sanitizes the result against an allow-list, so nothing an editor types
can reach a reader as markup we did not mean. `[n]` markers become links to
source n in the story's source list.
"""

import re
from collections import Counter

import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

# A citation marker: `[n]` cites the story's source n.
_MARKER = re.compile(r"\[(\d{1,4})\]")

ALLOWED_TAGS = {
    "p", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "em", "strong",
    "code", "pre", "a", "sup", "br", "hr",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "id", "aria-label", "title", "rel"},
    "sup": {"class"},
    "blockquote": {"class"},
    "ol": {"start"},
}


def _citation_rule(state: StateInline, silent: bool) -> bool:
    """Parse `[n]` as a citation marker before the link rule sees it.

    Running first means `[4][5]` is two markers, never a reference link. A
    bracketed number followed by `(` is left to the link rule: `[3](url)` is a
    link an editor meant.
    """
    if state.src[state.pos] != "[":
        return False
    match = _MARKER.match(state.src, state.pos, state.posMax)
    if not match or state.src[match.end() : match.end() + 1] == "(":
        return False
    if not silent:
        # "weekdays [1]" renders as "weekdays[1]": a marker belongs to its word
        # and must not wrap onto a line of its own.
        state.pending = state.pending.rstrip(" ")
        token = state.push("citation", "", 0)
        token.meta = {"number": int(match.group(1))}
    state.pos = match.end()
    return True


def _render_citation(self, tokens, idx, options, env) -> str:
    number = tokens[idx].meta["number"]
    outlets = env.get("outlets", {})
    if number not in outlets:
        # An unresolved marker (a draft in progress) stays visible but links nowhere.
        return f'<sup class="cite cite-missing">[{number}]</sup>'
    label = escape(f"Source {number}: {outlets[number]}")
    href = escape(env.get("page", "")) + f"#source-{number}"
    seen = env.get("seen")
    if seen is None:
        # A line outside the body: its markers are not among the sources' back-links.
        return f'<sup class="cite"><a href="{href}" aria-label="{label}">[{number}]</a></sup>'
    seen[number] += 1
    return (
        f'<sup class="cite"><a href="{href}" id="cite-{number}-{seen[number]}" '
        f'aria-label="{label}">[{number}]</a></sup>'
    )


def _render_link_open(self, tokens, idx, options, env) -> str:
    tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
    return self.renderToken(tokens, idx, options, env)


def _shift_headings(state) -> None:
    """The page's <h1> is the headline, so body headings start at <h2>."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close") and token.tag == "h1":
            token.tag = "h2"
        if token.type == "blockquote_open":
            token.attrSet("class", "pull-quote")


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.enable(["replacements", "smartquotes"])
    md.inline.ruler.before("link", "citation", _citation_rule)
    md.add_render_rule("citation", _render_citation)
    md.add_render_rule("link_open", _render_link_open)
    md.core.ruler.push("factlen_blocks", _shift_headings)
    return md


_md = _parser()


def body_paragraphs(body: str):
    """(number, text, cites a source) for each paragraph that states something.

    Paragraphs inside a blockquote (pull quotes) and headings are left out;
    list items count, as each states something.
    """
    depth, number, previous = 0, 0, None
    for token in _md.parse(body or ""):
        if token.type == "blockquote_open":
            depth += 1
        elif token.type == "blockquote_close":
            depth -= 1
        elif token.type == "inline" and depth == 0 and previous == "paragraph_open":
            number += 1
            cites = any(child.type == "citation" for child in token.children or ())
            yield number, token.content, cites
        previous = token.type


def citation_numbers(body: str) -> list[int]:
    """Marker numbers as the renderer sees them (code spans and blocks excluded)."""
    numbers = []
    for token in _md.parse(body or ""):
        for child in token.children or ():
            if child.type == "citation":
                numbers.append(child.meta["number"])
    return numbers


def render_line(text: str, outlets: dict[int, str], *, page: str = "") -> SafeString:
    """One line that may cite sources (a timeline event), as inline HTML.

    Its `[n]` markers link to source n of the story at `page` (this page when
    empty); `outlets` maps the story's citation numbers to outlet names, and a
    marker with no citation stays visible but links nowhere.
    """
    html = _md.renderInline(text or "", {"outlets": outlets, "page": page})
    return mark_safe(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel=None,
        )
    )


def render_body(body: str, outlets: dict[int, str] | None = None) -> SafeString:
    """Render a story body. `outlets` maps citation numbers to outlet names."""
    return render_body_with_anchors(body, outlets)[0]


def render_body_with_anchors(
    body: str, outlets: dict[int, str] | None = None
) -> tuple[SafeString, dict[int, list[str]]]:
    """The rendered body, and for each cited number the ids of its markers in it.

    The ids let the sources list link back to every place a source is cited.
    """
    env = {"outlets": outlets or {}, "seen": Counter()}
    html = _md.render(body or "", env)
    anchors = {
        n: [f"cite-{n}-{k}" for k in range(1, count + 1)] for n, count in env["seen"].items()
    }
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel=None,  # set on external links by _render_link_open; in-page ones need none
    )
    return mark_safe(clean), anchors
