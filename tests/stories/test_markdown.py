from pytest_django.asserts import assertInHTML

from stories.markdown import citation_numbers, render_body

from ..html import attribute, elements, parse

OUTLETS = {1: "Larkport Ledger", 2: "Harbour Radio", 4: "A&B Weekly", 5: "Wire"}


def test_marker_renders_as_a_superscript_link_to_its_source_with_a_label():
    html = render_body("The council voted [1].", OUTLETS)
    assertInHTML(
        '<sup class="cite"><a href="#source-1" id="cite-1-1" '
        'aria-label="Source 1: Larkport Ledger">[1]</a></sup>',
        html,
        count=1,
    )


def test_each_occurrence_of_a_marker_gets_its_own_anchor():
    html = render_body("First [1].\n\nAgain [1].", OUTLETS)
    links = elements(parse(html), "a", href="#source-1")
    assert [attribute(a, "id") for a in links] == ["cite-1-1", "cite-1-2"]


def test_adjacent_markers_are_two_citations_not_a_reference_link():
    body = "Both say so [4][5].\n\n[5]: https://evil.example/"
    html = render_body(body, OUTLETS)
    links = elements(parse(html), "a")
    assert [attribute(a, "href") for a in links] == ["#source-4", "#source-5"]
    assert "evil.example" not in html
    assert citation_numbers(body) == [4, 5]


def test_outlet_names_are_escaped_in_the_label():
    html = render_body("Claim [4].", OUTLETS)
    assert 'aria-label="Source 4: A&amp;B Weekly"' in html  # as written, not just as parsed
    assert elements(parse(html), "a", aria_label="Source 4: A&B Weekly")


def test_markers_inside_code_stay_literal_text():
    body = "Write `[2]` to cite.\n\n    indented [1] code\n\nReal [2]."
    html = render_body(body, OUTLETS)
    assertInHTML("<code>[2]</code>", html, count=1)
    assertInHTML("<pre><code>indented [1] code\n</code></pre>", html, count=1)
    assert len(elements(parse(html), "a")) == 1
    assert citation_numbers(body) == [2]


def test_a_marker_with_no_source_is_shown_but_links_nowhere():
    html = render_body("Unsourced [9].", OUTLETS)
    assertInHTML('<sup class="cite cite-missing">[9]</sup>', html, count=1)
    assert elements(parse(html), "a") == []


def test_raw_html_is_escaped_not_rendered():
    html = render_body('Hello <script>alert("x")</script> <img src=x onerror=alert(1)>', {})
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html


def test_javascript_links_never_survive():
    html = render_body("[click](javascript:alert(1)) and <javascript:alert(2)>", {})
    assert 'href="javascript' not in html.lower()
    assert "<a " not in html


def test_ordinary_links_are_kept_and_marked_external():
    html = render_body("See [the report](https://council.example/report).", {})
    assertInHTML(
        '<a href="https://council.example/report" rel="noopener noreferrer nofollow">'
        "the report</a>",
        html,
        count=1,
    )


def test_a_marker_sticks_to_the_word_before_it():
    html = render_body("Buses run on weekdays [1].", OUTLETS)
    assert 'weekdays<sup class="cite">' in html
    assert 'rel="' not in html  # in-page links need no rel


def test_blockquote_paragraph_becomes_a_pull_quote():
    html = render_body("> “We were last to hear,” said a skipper.", {})
    assertInHTML(
        '<blockquote class="pull-quote">'
        "<p>“We were last to hear,” said a skipper.</p></blockquote>",
        html,
        count=1,
    )


def test_body_headings_start_below_the_page_headline():
    html = render_body("# Section\n\n## Subsection", {})
    assert elements(parse(html), "h1") == []
    assertInHTML("<h2>Section</h2>", html, count=1)
