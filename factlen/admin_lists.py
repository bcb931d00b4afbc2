"""Admin lists and pickers that stay fast on an archive of a hundred thousand rows.

A ModelAdmin takes ArchiveListMixin; where its search ranks, get_search_results
annotates `search_rank` (lower is better) and orders by it with rank_first: the
list and the picker then show the obvious match first, unless the editor sorts
by a column. (Django's changelist orders before it searches, so the search
orders itself.)
"""

from django.contrib.admin.views.main import ORDER_VAR, ChangeList

from .pagination import EstimatedCountPaginator, LookaheadPaginator, about

SEARCH_RANK = "search_rank"


def is_picker(request) -> bool:
    """Whether the request is an autocomplete (a picker's search), not a list."""
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name == "autocomplete")


class ArchiveChangeList(ChangeList):
    # Whether result_count is an estimate (EstimatedCountPaginator): the
    # list's templates then show `shown_count`, "about 22,000", not a number
    # that reads as exact.
    count_is_estimated = False

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        deferred = getattr(self.model_admin, "list_deferred", ())
        return queryset.defer(*deferred) if deferred else queryset

    def get_results(self, request):
        super().get_results(request)
        self.count_is_estimated = getattr(self.paginator, "estimated", False)

    @property
    def shown_count(self) -> str:
        return about(self.result_count) if self.count_is_estimated else str(self.result_count)


def rank_first(request, found):
    """`found` (a search's results, already in the list's order) with the best
    `search_rank` first, unless the editor sorted by a column."""
    if SEARCH_RANK not in found.query.annotations or request.GET.get(ORDER_VAR):
        return found
    return found.order_by(SEARCH_RANK, *found.query.order_by)


class ArchiveListMixin:
    """Counts no more than a page needs; ranks searches; leaves out the fields
    in `list_deferred` (long texts a list never shows) when listing."""

    paginator = EstimatedCountPaginator
    # Half Django's 100: rendering each row's cells costs more than reading
    # them, and an editor at archive size searches or filters rather than pages.
    list_per_page = 50
    # "N results (M total)" would count the whole table on every filtered page.
    show_full_result_count = False
    list_deferred: tuple[str, ...] = ()

    def get_changelist(self, request, **kwargs):
        return ArchiveChangeList

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", {}).get("cl")
        if isinstance(cl, ArchiveChangeList) and cl.count_is_estimated:
            # Django's "All 22014 selected", after "select all" across pages.
            response.context_data["selection_note_all"] = f"All of {cl.shown_count} selected"
        return response

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if is_picker(request):
            return LookaheadPaginator(queryset, per_page, orphans, allow_empty_first_page)
        return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
