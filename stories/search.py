"""Story search: PostgreSQL full-text search, with a simpler match on SQLite.

On PostgreSQL every story keeps a weighted search vector (title A; dek, why it
matters, authors' names, key points and viewpoint summaries B; body, viewpoint
details and open questions C), GIN-indexed and refreshed whenever a story, its
inlines or its authors change.
Queries use websearch syntax: "a phrase", -excluded, or. SQLite, the embedded
default, matches each word as a substring across the same fields.
"""

import re
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import (
    DEFAULT_DB_ALIAS,
    OperationalError,
    connection,
    connections,
    router,
    transaction,
)
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat, Left
from django.utils.html import escape
from django.utils.safestring import mark_safe

from factlen.db import rank_by

from .models import (
    CARD_ROW_FIELDS,
    KeyPoint,
    OpenQuestion,
    Story,
    StoryAuthor,
    Viewpoint,
    with_live_topics,
)

MAX_QUERY_LENGTH = 200
# Matches ranked per search: the newest this many. Ranking reads each match's
# search vector; at 20,000 stories a common word's newest 500 cost twice the
# time of 200, and a news reader looks for what is recent.
MAX_RANKED = 200
# Characters of the body a snippet may come from: ts_headline parses all of
# it, and the page shows one snippet per result (about 1 ms per 2,000
# characters here).
SNIPPET_SOURCE_LENGTH = 1000
MAX_WORDS = 8
CONFIG = "english"
_START, _STOP = "\x02", "\x03"  # highlight delimiters no story text contains
_MARKER = re.compile(r"\s?\[\d{1,4}\]")


class SearchTooSlow(Exception):
    """The database gave up on a search after SEARCH_TIMEOUT_MS."""


# PostgreSQL's code for a statement cancelled by statement_timeout.
_QUERY_CANCELED = "57014"


@contextmanager
def time_limit():
    """Searching inside this block stops after SEARCH_TIMEOUT_MS on PostgreSQL,
    raising SearchTooSlow: whatever was published, one search holds a worker
    and a database connection that long at most. (SQLite has no such timeout;
    it serves one machine's demo, not the internet.)"""
    if not uses_full_text():
        yield
        return
    # On the connection the search reads from: a replica's, for most readers.
    alias = router.db_for_read(Story) or DEFAULT_DB_ALIAS
    outer = connections[alias].in_atomic_block
    try:
        with transaction.atomic(using=alias):
            with connections[alias].cursor() as cursor:
                # Local to the transaction: no other query on this connection is cut short.
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true)",
                    [str(settings.SEARCH_TIMEOUT_MS)],
                )
            yield
            if outer:  # a savepoint's setting would outlive it: put it back
                with connections[alias].cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', '0', true)")
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", None) == _QUERY_CANCELED:
            raise SearchTooSlow from exc
        raise


def clean_query(text: str) -> str:
    """Collapse whitespace, drop control characters, cap the length."""
    text = "".join(ch for ch in (text or "") if ch.isprintable() or ch.isspace())
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


@dataclass(frozen=True)
class Results:
    """Matching stories (a list), best first, with `headline` (and `rank` on
    SQLite).

    Only the newest MAX_RANKED matches are ranked: a word in half the archive
    would otherwise mean ranking half the archive on every search. `count`
    is how many were ranked; `more` says whether older matches were left out.
    """

    stories: list
    count: int
    more: bool

    def __iter__(self):
        return iter(self.stories)


def search_stories(query: str, *, topic=None, full_text=None) -> Results:
    """Published stories matching `query`, best first: every one ranked.

    `full_text` picks the method (default: full text where the database has it).
    """
    return search_page(query, topic=topic, full_text=full_text, offset=0, limit=MAX_RANKED)


def search_page(query: str, *, topic=None, offset: int, limit: int, full_text=None) -> Results:
    """The `limit` best matches after `offset` (a page of results), with
    `count` and `more` as for all of them."""
    if offset >= MAX_RANKED:  # past the last page there can be
        return Results([], count=0, more=False)
    stories = Story.objects.published()
    if topic is not None:
        stories = stories.filter(topic=topic)
    full_text = full_text if full_text is not None else uses_full_text()
    if full_text:
        return _full_text_page(stories, query, offset, limit)
    matching = _substring_matches(stories, query)
    ids = list(matching.newest_first().values_list("pk", flat=True)[: MAX_RANKED + 1])
    candidates = Story.objects.published().filter(pk__in=ids[:MAX_RANKED])
    return Results(
        list(_substring_ranked(candidates, query)[offset : offset + limit]),
        count=min(len(ids), MAX_RANKED),
        more=len(ids) > MAX_RANKED,
    )


def _full_text_page(stories, query, offset, limit) -> Results:
    """One statement: the newest matches with their rank (through the stories'
    visibility index for a common word, the search index for a rare one: the
    planner picks), ordered, counted, and the page's stories with a snippet
    (`headline`) around the query's words. Reading the page in a statement of
    its own, after the ranking, was half of a search's time in building
    queries and objects."""
    search = _search_query(query)
    matched = (
        stories.filter(search_vector=search)
        .newest_first()
        .annotate(rank=SearchRank(F("search_vector"), search))
        .values_list("pk", "published_at", "rank")[: MAX_RANKED + 1]
    )
    db = matched.db
    matched_sql, matched_params = matched.query.sql_with_params()
    fields = [Story._meta.get_field(name) for name in ("id", *CARD_ROW_FIELDS)]
    columns = ", ".join(f'story."{field.column}"' for field in fields)
    sql = f"""
        WITH matched (id, published_at, rank) AS ({matched_sql}),
        ordered AS (
            SELECT id, row_number() OVER (ORDER BY rank DESC, published_at DESC, id DESC) AS n
            FROM (SELECT * FROM matched ORDER BY published_at DESC, id DESC LIMIT %s) AS newest
        )
        SELECT (SELECT count(*) FROM matched) AS ranked, {columns},
            ts_headline(
                %s::regconfig,
                story.dek || ' … ' || left(story.body, %s),
                websearch_to_tsquery(%s::regconfig, %s),
                %s
            ) AS headline
        FROM ordered JOIN stories_story AS story ON story.id = ordered.id
        WHERE ordered.n > %s AND ordered.n <= %s
        ORDER BY ordered.n
    """
    options = f"StartSel='{_START}', StopSel='{_STOP}', MaxWords=35, MinWords=15"
    params = (
        # The newest MAX_RANKED are ranked; one more says there are more.
        *matched_params, MAX_RANKED, CONFIG, SNIPPET_SOURCE_LENGTH, CONFIG, query, options,
        offset, offset + limit,
    )  # fmt: skip
    stories = list(Story.objects.raw(sql, params).using(db))
    ranked = stories[0].ranked if stories else 0
    # An empty page past the first is past the last: no count needed to say so.
    return Results(
        with_live_topics(stories), count=min(ranked, MAX_RANKED), more=ranked > MAX_RANKED
    )


def search_for_editors(stories, term: str):
    """The admin's story search on PostgreSQL: stories whose search vector
    matches `term` (websearch syntax, as readers search) or whose slug is
    `term`, with `search_rank` (editors_rank).

    As for readers, only the newest MAX_RANKED matches are listed (a word in
    half the archive would otherwise mean sorting half the archive), plus any
    story of that exact title or slug, however old.
    """
    term = clean_query(term)
    if not term:
        return stories
    matching = stories.filter(Q(search_vector=_search_query(term)) | Q(slug=term))
    newest = matching.order_by("-published_at", "-pk").values_list("pk", flat=True)
    # Through the slug's and the title's own indexes, not the search vector's.
    exact = stories.filter(Q(title__iexact=term) | Q(slug=term)).order_by()
    ids = {*newest[:MAX_RANKED], *exact.values_list("pk", flat=True)[:MAX_RANKED]}
    return stories.filter(pk__in=ids).annotate(search_rank=editors_rank(term))


def editors_rank(term: str):
    """The story of that exact title or slug first, then titles containing the
    term, then the rest."""
    term = term.strip()
    return rank_by(Q(title__iexact=term) | Q(slug=term), Q(title__icontains=term))


def _search_query(query):
    return SearchQuery(query, search_type="websearch", config=CONFIG)


def _terms(query):
    """Words and "quoted phrases"; a leading - excludes."""
    found = re.findall(r'(-?)"([^"]+)"|(-?)(\S+)', query)
    terms = [(a or c, (b or d).strip('"')) for a, b, c, d in found]
    return [(sign == "-", text) for sign, text in terms if text.strip("-")][:MAX_WORDS]


def _substring_matches(stories, query):
    terms = _terms(query)
    if not any(not excluded for excluded, _ in terms):
        return stories.none()
    for excluded, text in terms:
        matches = _matches(text)
        stories = stories.exclude(matches) if excluded else stories.filter(matches)
    return stories


def _substring_ranked(stories, query):
    score = Value(0)
    for excluded, text in _terms(query):
        if not excluded:
            score = score + Case(When(title__icontains=text, then=Value(4)), default=Value(0))
            score = score + Case(When(dek__icontains=text, then=Value(2)), default=Value(0))
    return (
        stories.for_cards()
        .annotate(
            rank=score,
            headline=Value("", output_field=CharField()),
            # The snippet is cut from the start of the body, never read whole.
            body_start=Left("body", SNIPPET_SOURCE_LENGTH),
        )
        .order_by("-rank", "-published_at", "-pk")
    )


def _matches(text):
    related = [
        Exists(KeyPoint.objects.filter(story=OuterRef("pk"), text__icontains=text)),
        Exists(OpenQuestion.objects.filter(story=OuterRef("pk"), text__icontains=text)),
        Exists(
            Viewpoint.objects.filter(story=OuterRef("pk")).filter(
                Q(label__icontains=text)
                | Q(stance__icontains=text)
                | Q(holders__icontains=text)
                | Q(summary__icontains=text)
                | Q(detail__icontains=text)
            )
        ),
    ]
    related.append(
        Exists(StoryAuthor.objects.filter(story=OuterRef("pk"), author__name__icontains=text))
    )
    own = Q(title__icontains=text) | Q(dek__icontains=text) | Q(why_it_matters__icontains=text)
    own |= Q(body__icontains=text)
    for exists in related:
        own |= Q(exists)
    return own


def snippet(story, query) -> str:
    """A short excerpt with the matched words in <mark>, escaped."""
    if getattr(story, "headline", ""):
        text = _MARKER.sub("", story.headline)
        return mark_safe(escape(text).replace(_START, "<mark>").replace(_STOP, "</mark>"))
    text = _MARKER.sub("", f"{story.dek} {story.body_start}")
    words = [t for excluded, t in _terms(query) if not excluded]
    lowered = text.lower()
    hits = [lowered.find(w.lower()) for w in words if lowered.find(w.lower()) >= 0]
    start = max(0, min(hits) - 80) if hits else 0
    if start:
        start = text.find(" ", start) + 1  # begin at a whole word
    end = start + 240
    if end < len(text):
        end = text.rfind(" ", start, end) if " " in text[start:end] else end
    excerpt = text[start:end]
    html = escape(excerpt)
    for word in sorted(set(words), key=len, reverse=True):
        html = re.sub(f"({re.escape(escape(word))})", r"<mark>\1</mark>", html, flags=re.I)
    prefix = "… " if start else ""
    return mark_safe(prefix + html + (" …" if end < len(text) else ""))


def _text_of(model, *fields):
    """All rows of an inline for the outer story, as one text."""
    parts = []
    for name in fields:
        parts += [name, Value(" ")]
    rows = model.objects.filter(story=OuterRef("pk")).order_by().values("story")
    text = Concat(*parts, output_field=TextField())
    return Subquery(rows.annotate(t=StringAgg(text, " ")).values("t"), output_field=TextField())


def refresh_search_vectors(story_ids=None) -> int:
    """Recompute the search vector of the given stories (all when None).

    Migration 0027 runs this for every story: what it reads must exist by then."""
    if not uses_full_text():
        return 0
    stories = Story.objects.all() if story_ids is None else Story.objects.filter(pk__in=story_ids)
    vector = (
        SearchVector("title", weight="A", config=CONFIG)
        + SearchVector(
            "dek",
            "label",
            "why_it_matters",
            _text_of(StoryAuthor, "author__name"),
            _text_of(KeyPoint, "text"),
            _text_of(Viewpoint, "label", "stance", "holders", "summary"),
            weight="B",
            config=CONFIG,
        )
        + SearchVector(
            "body",
            _text_of(Viewpoint, "detail"),
            _text_of(OpenQuestion, "text"),
            weight="C",
            config=CONFIG,
        )
    )
    return stories.update(search_vector=vector)
