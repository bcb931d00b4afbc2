"""Counts that readers' pages show, kept instead of counted on every request.

Each story keeps how many citations it has (its cards show "n sources"):
recounted for just the stories whose citations a change touched.

Each topic and outlet keeps how many stories with the status Published it
has (scheduled ones included). Pages subtract the few still scheduled
(`Topic.objects.counted()`, `Outlet.objects.counted(scheduled=…)`), so a scheduled story counts from
its time on with nothing to run. A recount is exact: it counts again from
the rows, for just the topics and outlets a change touched.
"""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from factlen.caching import cached_for_version
from sources.models import Outlet

from .models import Citation, Story, Topic


def _count(rows, group_by, counted="pk", distinct=False):
    counted_rows = (
        rows.order_by().values(group_by).annotate(n=Count(counted, distinct=distinct)).values("n")
    )
    return Coalesce(Subquery(counted_rows, output_field=IntegerField()), 0)


def recount_sources(story_ids) -> None:
    ids = {pk for pk in story_ids if pk is not None}
    if not ids:
        return
    citations = Citation.objects.filter(story=OuterRef("pk"))
    Story.objects.filter(pk__in=ids).update(source_count=_count(citations, "story"))


def recount_topics(topic_ids) -> None:
    ids = {pk for pk in topic_ids if pk is not None}
    if not ids:
        return
    published = Story.objects.filter(status=Story.Status.PUBLISHED, topic=OuterRef("pk"))
    Topic.objects.filter(pk__in=ids).update(published_story_count=_count(published, "topic"))


def recount_outlets(outlet_ids) -> None:
    ids = {pk for pk in outlet_ids if pk is not None}
    if not ids:
        return
    citing = Citation.objects.filter(
        story__status=Story.Status.PUBLISHED, source__outlet=OuterRef("pk")
    )
    Outlet.objects.filter(pk__in=ids).update(
        published_story_count=_count(citing, "source__outlet", "story", distinct=True)
    )


def scheduled_by_outlet(*, at=None) -> dict[int, int]:
    """{outlet id: scheduled stories citing it}: what pages subtract from the
    kept counts (Outlet.objects.counted). Kept until the content changes,
    which it does when a scheduled story goes live."""

    def count():
        scheduled = Citation.objects.filter(story__in=Story.objects.scheduled(at=at))
        rows = scheduled.order_by().values("source__outlet")
        rows = rows.annotate(n=Count("story", distinct=True))
        return dict(rows.values_list("source__outlet", "n"))

    return count() if at else cached_for_version("scheduled-by-outlet", count)


def outlets_cited_by(story_ids) -> set[int]:
    return set(
        Citation.objects.filter(story__in=story_ids).values_list("source__outlet", flat=True)
    )


def recount_all() -> None:
    """Every story, topic and outlet (after a bulk load, or to check the kept counts)."""
    citations = Citation.objects.filter(story=OuterRef("pk"))
    Story.objects.update(source_count=_count(citations, "story"))
    recount_topics(Topic.objects.values_list("pk", flat=True))
    recount_outlets(Outlet.objects.values_list("pk", flat=True))
