"""The /sources/ pages: each outlet our published stories cite, and those stories."""

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render

from factlen.caching import cached_for_version, public_page
from factlen.pagination import page_or_404
from sources.models import Outlet

from .counts import scheduled_by_outlet
from .models import Citation, Story


def cited_outlets() -> list[Outlet]:
    """Every outlet a live story cites, with its count: kept until the content changes."""
    return cached_for_version(
        "cited-outlets",
        lambda: Outlet.objects.order_by("name").cited(scheduled=scheduled_by_outlet()),
    )


@public_page
def outlet_list(request):
    """Every outlet a published story cites, with how many stories cite it."""
    outlets = cited_outlets()
    # Only kinds some listed outlet has: a filter that empties the table is a dead end.
    present = {outlet.kind for outlet in outlets}
    kinds = [(value, label) for value, label in Outlet.Kind.choices if value in present]
    kind = request.GET.get("kind")
    if kind in present:
        outlets = [outlet for outlet in outlets if outlet.kind == kind]
    else:
        kind = None
    context = {
        "outlets": outlets,
        "kinds": kinds,
        "current_kind": kind,
        "canonical_url": request.build_absolute_uri(
            request.path + (f"?kind={kind}" if kind else "")
        ),
    }
    return render(request, "sources/outlet_list.html", context)


@public_page
def outlet_detail(request, slug):
    outlets = Outlet.objects.filter(slug=slug).counted(scheduled=scheduled_by_outlet())
    outlet = next(iter(outlets), None)
    if outlet is None:
        raise Http404("No such outlet.")
    if not outlet.story_count:
        # Only outlets behind published stories have a public page: a draft's
        # sources are not yet news.
        return render(request, "404.html", status=404)
    cited_here = Citation.objects.filter(source__outlet=outlet).select_related("source")
    stories = (
        Story.objects.published()
        .filter(pk__in=cited_here.values("story"))
        .for_cards()
        .prefetch_related(Prefetch("citations", cited_here, to_attr="outlet_citations"))
    )
    page = page_or_404(request, stories, count=outlet.story_count)
    context = {
        "outlet": outlet,
        "page": page,
        "canonical_url": request.build_absolute_uri(outlet.get_absolute_url()),
    }
    return render(request, "sources/outlet_detail.html", context)
