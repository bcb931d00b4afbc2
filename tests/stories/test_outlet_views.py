import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertInHTML

from sources.models import BROKEN_AFTER, Outlet

from ..factories import OutletFactory, SourceFactory, StoryFactory, TopicFactory
from ..html import attribute, elements, parse, text
from .test_query_budget import BUDGETS

pytestmark = pytest.mark.django_db


def cite(story, *sources):
    for number, source in enumerate(sources, start=1):
        story.citations.create(source=source, number=number)


@pytest.fixture
def cited():
    """Two outlets cited by published stories, one cited only by a draft."""
    ledger = OutletFactory(name="Larkport Ledger", slug="ledger", kind=Outlet.Kind.NEWSPAPER)
    council = OutletFactory(name="City Council", slug="council", kind=Outlet.Kind.GOVERNMENT)
    secret = OutletFactory(name="Draft Only", slug="draft-only")
    topic = TopicFactory(slug="cities", name="Cities")
    a = StoryFactory(topic=topic, title="Bus lanes")
    b = StoryFactory(
        topic=topic, title="Rezoning", published_at=a.published_at - datetime.timedelta(days=2)
    )
    draft = StoryFactory(topic=topic, title="Unpublished", draft=True)
    minutes = SourceFactory(outlet=council, title="Minutes of 14 October")
    cite(a, SourceFactory(outlet=ledger, title="Council backs lanes"), minutes)
    cite(b, minutes)
    cite(draft, SourceFactory(outlet=secret), SourceFactory(outlet=ledger, title="Secret"))
    return {"ledger": ledger, "council": council, "secret": secret, "a": a, "b": b}


def test_sources_page_lists_outlets_cited_by_published_stories_with_counts(client, cited):
    html = client.get("/sources/").content.decode()
    table = elements(parse(html), "table", class_="outlet-table")[0]
    rows = [
        (attribute(elements(row, "a")[0], "href"), text(elements(row, "td", class_="num")[0]))
        for row in elements(elements(table, "tbody")[0], "tr")
    ]
    assert rows == [("/sources/council/", "2"), ("/sources/ledger/", "1")]
    assert "Draft Only" not in html
    assert "Government" in html and "Newspaper" in html


def test_sources_page_filters_by_kind(client, cited):
    html = client.get("/sources/?kind=government").content.decode()
    assert "City Council" in html
    assert "Larkport Ledger" not in html
    current = elements(parse(html), "a", aria_current="page")
    assert [attribute(a, "href") for a in current] == ["?kind=government"]
    everything = client.get("/sources/?kind=nonsense").content.decode()
    assert "City Council" in everything and "Larkport Ledger" in everything


def test_sources_page_offers_only_the_kinds_its_outlets_have(client, cited):
    OutletFactory(name="Uncited Court", slug="court", kind=Outlet.Kind.COURT)
    html = client.get("/sources/").content.decode()
    nav = elements(parse(html), "nav", class_="filter-nav")[0]
    offered = [attribute(a, "href") for a in elements(nav, "a")]
    assert offered == ["/sources/", "?kind=newspaper", "?kind=government"]
    # The draft-only outlet's kind (Other) and the uncited court are not offered.
    court = client.get("/sources/?kind=court").content.decode()
    assert "City Council" in court and "Larkport Ledger" in court


def test_outlet_page_shows_its_details_and_the_stories_citing_it_newest_first(client, cited):
    cited["council"].description = "The elected council of Larkport."
    cited["council"].country = "Tidewater"
    cited["council"].save()
    html = client.get("/sources/council/").content.decode()
    assertInHTML("<h1>City Council</h1>", html, count=1)
    assert "The elected council of Larkport." in html
    assert "Government · Tidewater" in html
    titles = [text(t) for t in elements(parse(html), "h3", class_="card-title")]
    assert titles == ["Bus lanes", "Rezoning"]
    assertInHTML(
        f'<li><a href="{cited["a"].get_absolute_url()}#source-2">[2]</a> '
        "<cite>Minutes of 14 October</cite></li>",
        html,
    )
    assert "Council backs lanes" not in html  # only this outlet's headlines


def test_outlet_page_hides_drafts_and_outlets_cited_only_by_drafts(client, cited):
    assert client.get("/sources/draft-only/").status_code == 404
    html = client.get("/sources/ledger/").content.decode()
    assert "Unpublished" not in html and "Secret" not in html
    assert client.get("/sources/nobody/").status_code == 404


def test_story_page_shows_the_source_mix(client, cited):
    ledger, council = cited["ledger"], cited["council"]
    story = StoryFactory(topic=cited["a"].topic)
    cite(
        story,
        SourceFactory(outlet=ledger, published_on=datetime.date(2026, 10, 3)),
        SourceFactory(outlet=ledger, published_on=datetime.date(2026, 11, 19)),
        SourceFactory(outlet=council),
        SourceFactory(outlet=OutletFactory(kind=Outlet.Kind.WIRE)),
    )
    with CaptureQueriesContext(connection) as queries:
        html = client.get(story.get_absolute_url()).content.decode()
    assert "4 sources from 3 outlets, published" in html
    document = parse(html)
    summary = elements(document, "p", class_="source-mix-summary")[0]
    assert [(attribute(t, "datetime"), text(t)) for t in elements(summary, "time")] == [
        ("2026-10-03", "3 Oct 2026"),
        ("2026-11-19", "19 Nov 2026"),
    ]
    legend = elements(document, "ul", class_="mix-legend")[0]
    assert [text(li) for li in elements(legend, "li")] == [
        "Newspaper: 2",
        "Government: 1",
        "Wire service: 1",
    ]
    bars = [
        (attribute(r, "class"), attribute(r, "x"), attribute(r, "width"))
        for r in elements(document, "rect")
    ]
    assert bars == [
        ("kind-newspaper", "0", "50"),
        ("kind-government", "50", "25"),
        ("kind-wire", "75", "25"),
    ]
    assert len(queries) <= BUDGETS["story"]  # the mix costs no query


def test_a_broken_source_links_its_archived_copy_and_says_the_original_is_gone(client, cited):
    story = cited["a"]
    source = story.citations.get(number=1).source
    source.archive_url = "https://archive.example/web/2026/council-backs-lanes"
    source.link_failures = BROKEN_AFTER - 1
    source.save()
    html = client.get(story.get_absolute_url()).content.decode()
    assert "Archived copy" not in html  # not yet broken: the original is what we link
    source.link_failures = BROKEN_AFTER
    source.save()
    html = client.get(story.get_absolute_url()).content.decode()
    entry = elements(parse(html), "li", id="source-1")[0]
    assert "The original is unavailable; an archived copy remains." in text(entry)
    archived = elements(entry, "a", href=source.archive_url, rel="noopener noreferrer")
    assert [text(a) for a in archived] == ["Archived copy →"]
    assert elements(entry, "a", href=source.url)  # the original stays beside it


def test_the_sources_list_shows_the_quote_and_access_date(client, cited):
    citation = cited["a"].citations.get(number=1)
    citation.quote = "The committee voted 6–3 <b>in favour</b>."
    citation.accessed = datetime.date(2026, 11, 20)
    citation.save()
    html = client.get(cited["a"].get_absolute_url()).content.decode()
    assertInHTML(
        '<blockquote class="source-quote">The committee voted 6–3 &lt;b&gt;in favour&lt;/b&gt;.'
        "</blockquote>",
        html,
        count=1,
    )
    assertInHTML(
        '<span class="source-meta">Accessed <time datetime="2026-11-20">20 Nov 2026</time></span>',
        html,
        count=1,
    )


def test_the_story_change_page_warns_of_a_broken_source(editor_client, cited):
    source = cited["a"].citations.get(number=1).source
    source.link_failures = BROKEN_AFTER
    source.save()
    html = editor_client.get(f"/admin/stories/story/{cited['a'].pk}/change/").content.decode()
    assert "This story cites a broken link: Larkport Ledger, “Council backs lanes”" in html
    assert "It has no archived copy" in html
    other = editor_client.get(f"/admin/stories/story/{cited['b'].pk}/change/").content.decode()
    assert "broken link" not in other


def test_the_source_list_in_the_admin_filters_broken_links(editor_client, cited):
    source = cited["a"].citations.get(number=1).source
    source.link_failures = BROKEN_AFTER
    source.save()
    response = editor_client.get("/admin/sources/source/?link=broken")
    assert list(response.context["cl"].result_list) == [source]
