import datetime

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from factlen.caching import cached_for_version, public_page
from factlen.pagination import known_page, page_number, page_or_404

from .models import (
    Correction,
    OpenQuestion,
    PreviewLink,
    Story,
    TimelineEvent,
    Topic,
    live_topics,
)
from .rendering import front_page, story_article
from .search import (
    SearchTooSlow,
    clean_query,
    search_page,
    snippet,
    time_limit,
    uses_full_text,
)
from .timelines import merged_timeline, with_citations

RELATED_STORIES = 3


@public_page
def home(request):
    # The newsletter box offers the live topics (kept per content version too).
    context = {
        "front_page": front_page(),
        "topics": live_topics(),
        "canonical_url": request.build_absolute_uri("/"),
    }
    return render(request, "stories/home.html", context)


@public_page
def topic_detail(request, topic):
    # A topic with live stories is one of the live topics, kept per content version.
    slug = topic
    topic = next((t for t in live_topics() if t.slug == slug), None)
    if topic is None:
        topic = get_object_or_404(Topic, slug=slug)
        topic.published_count = 0
    stories = Story.objects.published().filter(topic=topic).newest_first()
    page = page_or_404(request, stories.values_list("pk", flat=True), count=topic.published_count)
    page.object_list = Story.objects.published().cards_in_order(page.object_list)
    context = {
        "topic": topic,
        "page": page,
        "current_topic_slug": topic.slug,
        "feed_topic": topic,
        "canonical_url": request.build_absolute_uri(topic.get_absolute_url()),
    }
    if page.number == 1:
        # Found among every question of the topic's live stories (thousands
        # in a big archive) and the same until the content changes: kept.
        context["open_questions"] = cached_for_version(
            f"open-questions:{topic.pk}",
            lambda: list(OpenQuestion.objects.still_open_in(topic)),
        )
        context["answered_questions"] = cached_for_version(
            f"answered-questions:{topic.pk}",
            lambda: list(OpenQuestion.objects.recently_answered_in(topic)),
        )
    return render(request, "stories/topic.html", context)


@public_page
def topic_timeline(request, topic):
    topic = get_object_or_404(Topic, slug=topic)
    newest_first = request.GET.get("order") == "newest"
    events = with_citations(
        merged_timeline(TimelineEvent.objects.in_topic(topic), newest_first=newest_first)
    )
    context = {
        "topic": topic,
        "events": events,
        "newest_first": newest_first,
        "current_topic_slug": topic.slug,
        "canonical_url": request.build_absolute_uri(request.path),
    }
    return render(request, "stories/topic_timeline.html", context)


@public_page
def story_detail(request, topic, slug):
    story = Story.objects.published().article(slug)
    if story is None:
        withdrawn = get_object_or_404(
            Story.objects.for_withdrawn_notice(), slug=slug, status=Story.Status.WITHDRAWN
        )
        # Gone, and said so: the address answers with the public reason.
        return render(request, "410.html", {"story": withdrawn}, status=410)
    if story.topic.slug != topic:
        return redirect(story, permanent=True)
    return render(request, "stories/story.html", story_context(request, story))


# Previews show what readers may not see yet: no cache anywhere may keep them.
@never_cache
@staff_member_required
def preview(request, pk):
    """Any story in any state, exactly as a reader would see it, marked as a preview."""
    story = get_object_or_404(Story.objects.for_page(), pk=pk)
    return render(request, "stories/story.html", story_context(request, story, preview=True))


@never_cache
def shared_preview(request, token):
    link = PreviewLink.from_token(token)
    if link is None:
        return render(request, "stories/preview_unavailable.html", status=404)
    story = Story.objects.for_page().get(pk=link.story_id)
    return render(request, "stories/story.html", story_context(request, story, preview=True))


def newest_in_topic(topic_id):
    """The topic's newest stories as cards, the same for every story page of
    the topic: kept until the content changes."""

    def newest():
        # Built only on a miss: even an unevaluated card query costs a
        # millisecond to put together.
        stories = Story.objects.published().filter(topic_id=topic_id).for_cards()
        return list(stories[: RELATED_STORIES + 1])

    return cached_for_version(f"newest-in-topic:{topic_id}", newest)


def story_context(request, story, *, preview=False):
    more = [other for other in newest_in_topic(story.topic_id) if other.pk != story.pk]
    topic = next((t for t in live_topics() if t.pk == story.topic_id), None)
    return {
        "preview": preview,
        "story": story,
        "article": story_article(request, story, preview=preview),
        "current_topic_slug": story.topic.slug,
        "feed_topic": story.topic,
        "more_stories": more[:RELATED_STORIES],
        "topic_story_count": topic.published_count if topic else 0,
    }


@public_page
def corrections(request):
    """Every public note on a live story, newest first: a record of our errors."""
    notes = Correction.objects.public().for_list()
    # Counted once per content version, not on every page of every request.
    count = cached_for_version("public-corrections", Correction.objects.public().count)
    context = {
        "page": page_or_404(request, notes, count=count),
        "canonical_url": request.build_absolute_uri(request.path),
    }
    return render(request, "stories/corrections.html", context)


@public_page
def search(request):
    query = clean_query(request.GET.get("q", ""))
    topics = live_topics()
    topic = next((t for t in topics if t.slug == request.GET.get("topic")), None)
    page = results = None
    too_slow = False
    if query:
        try:
            number, per_page = page_number(request), settings.STORIES_PER_PAGE
            with time_limit():
                offset = (number - 1) * per_page
                results = search_page(query, topic=topic, offset=offset, limit=per_page)
            page = known_page(results.stories, number, results.count)
            for story in page.object_list:
                story.snippet = snippet(story, query)
        except SearchTooSlow:
            page = results = None
            too_slow = True
    context = {
        "query": query,
        "topics": topics,
        "current_topic": topic,
        "page": page,
        "more_results": results.more if results else False,
        "full_text": uses_full_text(),
        "too_slow": too_slow,
        # Search pages are not indexed; shared, a link should still lead to these results.
        "canonical_url": request.build_absolute_uri(),
    }
    if too_slow:
        # Not a page to keep: the same search may well be quick in a moment.
        response = render(request, "stories/search.html", context, status=503)
        response["Retry-After"] = "30"
        return response
    return render(request, "stories/search.html", context)


@public_page
def news_sitemap(request):
    """Stories from the last two days, in the news sitemap format."""
    since = timezone.now() - datetime.timedelta(days=2)
    stories = Story.objects.published().filter(published_at__gte=since).for_news_sitemap()
    return render(
        request,
        "stories/news_sitemap.xml",
        {"stories": stories[:1000]},
        content_type="application/xml; charset=utf-8",
    )
