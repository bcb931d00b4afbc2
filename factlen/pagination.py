from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404


def page_or_404(request, object_list, per_page=None):
    """The page named by ?page=, or a 404 for a page that does not exist.

    Django's get_page() quietly falls back to page 1 or the last page, which
    gives crawlers endless duplicate URLs; a reader following a stale link is
    better told the page is gone.
    """
    paginator = Paginator(object_list, per_page or settings.STORIES_PER_PAGE)
    try:
        return paginator.page(request.GET.get("page", 1))
    except InvalidPage:
        raise Http404("No such page.") from None
