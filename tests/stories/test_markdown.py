from stories.markdown import citation_numbers, render_body

OUTLETS = {1: "Larkport Ledger", 2: "Harbour Radio", 4: "A&B Weekly", 5: "Wire"}


def test_marker_renders_as_a_superscript_link_to_its_source_with_a_label():
    html = render_body("The council voted [1].", OUTLETS)
    assert (
        '<sup class="cite"><a href="#source-1" id="cite-1-1" aria-label="Source 1: Larkport Ledger"'
    ) in html
    assert ">[1]</a></sup>" in html


def test_each_occurrence_of_a_marker_gets_its_own_anchor():
    html = render_body("First [1].\n\nAgain [1].", OUTLETS)
    assert 'id="cite-1-1"' in html
    assert 'id="cite-1-2"' in html


def test_adjacent_markers_are_two_citations_not_a_reference_link():
    body = "Both say so [4][5].\n\n[5]: https://evil.example/"
    html = render_body(body, OUTLETS)
    assert 'href="#source-4"' in html
    assert 'href="#source-5"' in html
    assert "evil.example" not in html
    assert citation_numbers(body) == [4, 5]


def test_outlet_names_are_escaped_in_the_label():
    html = render_body("Claim [4].", OUTLETS)
    assert 'aria-label="Source 4: A&amp;B Weekly"' in html


def test_markers_inside_code_stay_literal_text():
    body = "Write `[2]` to cite.\n\n    indented [1] code\n\nReal [2]."
    html = render_body(body, OUTLETS)
    assert "<code>[2]</code>" in html
    assert "indented [1] code" in html
    assert html.count('href="#source-') == 1
    assert citation_numbers(body) == [2]


def test_a_marker_with_no_source_is_shown_but_links_nowhere():
    html = render_body("Unsourced [9].", OUTLETS)
    assert 'class="cite cite-missing">[9]</sup>' in html
    assert "#source-9" not in html


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
    assert '<a href="https://council.example/report" rel="noopener noreferrer nofollow">' in html


def test_a_marker_sticks_to_the_word_before_it():
    html = render_body("Buses run on weekdays [1].", OUTLETS)
    assert 'weekdays<sup class="cite">' in html
    assert 'rel="' not in html  # in-page links need no rel


def test_blockquote_paragraph_becomes_a_pull_quote():
    html = render_body("> “We were last to hear,” said a skipper.", {})
    assert '<blockquote class="pull-quote">' in html


def test_body_headings_start_below_the_page_headline():
    html = render_body("# Section\n\n## Subsection", {})
    assert "<h1" not in html
    assert "<h2>Section</h2>" in html
