from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
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
