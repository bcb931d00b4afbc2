"""Any body an editor can type renders to safe HTML, and the citation checks never crash.

Hypothesis writes the bodies: random text salted with Markdown syntax, raw
HTML, script and URL tricks and citation markers; outlet names are random
text too. Whatever comes out may hold only the allow-listed tags and
attributes, and no link that runs script.
"""

import re
from html.parser import HTMLParser

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stories.citations import citation_problems
from stories.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    body_paragraphs,
    citation_numbers,
    render_body,
)

FRAGMENTS = [
    "[1]", "[2]", "[9999]", "[0]", "[12345]", "[", "]", "(", ")", "[x](", "![x](", "](",
    "`", "```\n", "    ", "> ", "## ", "# ", "- ", "1. ", "* ", "_", "**", "\n", "\n\n", "---\n",
    "<", ">", "&", '"', "'", "=", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>", "<a href='javascript:alert(1)'>x</a>", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "&#106;avascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)", "<!--", "-->", "]]>",
    "<style>", "<iframe>", "onerror=", 'style="x"', "\x00", "\u202e", "\ufeff", "\r\n",
    "[a]: javascript:alert(1)", "<http://example.org>", "<javascript:alert(1)>",
    "mailto:a@example.org", "https://example.org/?a=1&b=2", "{{ x }}", "{% now 'Y' %}",
]  # fmt: skip
bodies = st.lists(st.one_of(st.text(max_size=20), st.sampled_from(FRAGMENTS)), max_size=40).map(
    "".join
)
outlets = st.dictionaries(st.integers(min_value=0, max_value=12345), st.text(max_size=30))
SAFE_HREF = re.compile(r"^(#source-\d+$|https?:|mailto:|[^:]*$)", re.IGNORECASE)
CLASSES = {"sup": {"cite", "cite cite-missing"}, "blockquote": {"pull-quote"}}


class Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def elements(html):
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser.found


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=bodies, names=outlets)
def test_any_body_renders_to_allow_listed_html_with_no_script(body, names):
    html = str(render_body(body, names))
    assert "<script" not in html.lower()
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()), (tag, name)
            if name == "href":
                # What a browser would see: entities decoded, controls and spaces ignored.
                assert SAFE_HREF.match(re.sub(r"[\x00-\x20]", "", value or "")), value
            if name == "class":
                assert value in CLASSES[tag], value


@settings(max_examples=300, deadline=None)
@given(body=bodies, numbers=st.lists(st.integers(min_value=-5, max_value=12345), max_size=8))
def test_the_citation_checks_answer_any_body_with_sentences_never_a_traceback(body, numbers):
    problems = [str(problem) for problem in citation_problems(body, numbers, all_cited=True)]
    assert all(problem.endswith(".") for problem in problems)
    found = citation_numbers(body)
    assert all(isinstance(n, int) and 0 <= n <= 9999 for n in found)
    for number in set(found) - set(numbers):
        assert f"The body cites [{number}], but no citation is numbered {number}." in problems
    for n, text, cites in body_paragraphs(body):
        assert n >= 1 and isinstance(text, str) and isinstance(cites, bool)
