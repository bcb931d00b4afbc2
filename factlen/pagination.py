import json

from django.conf import settings
from django.core.paginator import EmptyPage, InvalidPage, Page, PageNotAnInteger, Paginator
from django.db import connections
from django.http import Http404
from django.utils.functional import cached_property


class KnownCountPaginator(Paginator):
    """A paginator told how many items there are, so it need not count them."""

    def __init__(self, object_list, per_page, *, count, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self):
        return self._known_count


def page_number(request) -> int:
    """The page ?page= names (1 when it names none), or a 404 for one that
    cannot exist."""
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        raise Http404("No such page.") from None
    if number < 1:
        raise Http404("No such page.")
    return number


def known_page(items, number: int, count: int, per_page=None) -> Page:
    """Page `number` of a list read a page at a time: its `items`, and `count`
    in all. A 404 for a page past the last, as page_or_404."""
    paginator = KnownCountPaginator(items, per_page or settings.STORIES_PER_PAGE, count=count)
    try:
        paginator.validate_number(number)
    except InvalidPage:
        raise Http404("No such page.") from None
    return Page(items, number, paginator)


def page_or_404(request, object_list, per_page=None, *, count=None):
    """The page named by ?page=, or a 404 for a page that does not exist.

    Django's get_page() quietly falls back to page 1 or the last page, which
    gives crawlers endless duplicate URLs; a reader following a stale link is
    better told the page is gone. `count`, when the caller keeps it, saves
    counting the list.
    """
    per_page = per_page or settings.STORIES_PER_PAGE
    if count is None:
        paginator = Paginator(object_list, per_page)
    else:
        paginator = KnownCountPaginator(object_list, per_page, count=count)
    try:
        return paginator.page(request.GET.get("page", 1))
    except InvalidPage:
        raise Http404("No such page.") from None


# Past this many rows a list's count is estimated on PostgreSQL: counting a
# hundred thousand rows exactly costs more than the page it numbers.
EXACT_COUNT_LIMIT = 1000


class EstimatedCountPaginator(Paginator):
    """A paginator for long admin lists: counts exactly up to EXACT_COUNT_LIMIT,
    estimates beyond it on PostgreSQL (the whole table from pg_class's row
    estimate, a filtered list from the planner's), exact on other databases.

    A count that is estimated may be a little off, so the last page may come
    out short or empty; every row is still reachable by paging, searching or
    filtering.
    """

    limit = EXACT_COUNT_LIMIT
    # Whether `count` is an estimate (read it after count): lists say "about".
    estimated = False

    @cached_property
    def count(self):
        queryset = self.object_list
        if connections[queryset.db].vendor != "postgresql":
            return queryset.count()
        if not queryset.query.where:
            estimate = _table_estimate(queryset)
            if estimate > self.limit:
                self.estimated = True
                return estimate
        # Only as far as the limit: a filter matching half the table stops early.
        capped = queryset.order_by().values("pk")[: self.limit + 1].count()
        if capped <= self.limit:
            return capped
        self.estimated = True
        return max(_planner_estimate(queryset), capped)


def about(count: int) -> str:
    """An estimated count as a reader should take it: "about 22,000" (two
    significant figures; the estimate is rarely closer than that)."""
    digits = len(str(abs(count)))
    return f"about {round(count, 2 - digits if digits > 2 else 0):,}"


def _table_estimate(queryset) -> int:
    """pg_class's row estimate (kept by ANALYZE and autovacuum); -1 if never analysed."""
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
            [queryset.model._meta.db_table],
        )
        row = cursor.fetchone()
    return row[0] if row else -1


def _planner_estimate(queryset) -> int:
    """The rows the planner expects the query to return."""
    plan = queryset.order_by().values("pk").explain(format="json")
    return int(json.loads(plan)[0]["Plan"]["Plan Rows"])


class LookaheadPaginator(Paginator):
    """Pages without counting: it reads one row past the page to know whether
    another follows. For the admin's pickers, which only ask "is there more?"."""

    def validate_number(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not an integer") from None
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage("That page contains no results")
        # What the page can tell: at least this many, and a next page or not.
        self.__dict__["count"] = bottom + len(rows)
        self.__dict__["num_pages"] = number + 1 if len(rows) > self.per_page else number
        return self._get_page(rows[: self.per_page], number, self)
