import datetime

from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from factlen.pagination import page_or_404

from .models import Correction, PreviewLink, Story, Topic
from .search import clean_query, search_stories, snippet, uses_full_text

HOME_STORIES_PER_TOPIC = 4
RELATED_STORIES = 3


def home(request):
    stories = Story.objects.published().for_cards()
    lead = stories.first()
    topics = list(Topic.objects.with_published_stories())
    # One query for every topic's newest stories, not one per topic.
    newest = list(
        stories.exclude(pk=getattr(lead, "pk", None)).newest_per_topic(HOME_STORIES_PER_TOPIC)
    )
    for topic in topics:
        topic.newest = [s for s in newest if s.topic_id == topic.pk]
    return render(request, "stories/home.html", {"lead": lead, "topics": topics})


def topic_detail(request, topic):
    topic = get_object_or_404(Topic.objects.with_published_count(), slug=topic)
    stories = Story.objects.published().filter(topic=topic).for_cards()
    page = page_or_404(request, stories)
    context = {
        "topic": topic,
        "page": page,
        "current_topic_slug": topic.slug,
        "feed_topic": topic,
        "canonical_url": request.build_absolute_uri(topic.get_absolute_url()),
    }
    return render(request, "stories/topic.html", context)


def story_detail(request, topic, slug):
    story = Story.objects.published().for_page().filter(slug=slug).first()
    if story is None:
        withdrawn = get_object_or_404(Story, slug=slug, status=Story.Status.WITHDRAWN)
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


def story_context(request, story, *, preview=False):
    more = Story.objects.published().filter(topic=story.topic).exclude(pk=story.pk)
    return {
        "preview": preview,
        "story": story,
        "current_topic_slug": story.topic.slug,
        "feed_topic": story.topic,
        "canonical_url": request.build_absolute_uri(story.get_absolute_url()),
        "more_stories": more.for_cards()[:RELATED_STORIES],
        "topic_story_count": Story.objects.published().filter(topic=story.topic).count(),
    }


def corrections(request):
    """Every public note on a live story, newest first: a record of our errors."""
    notes = (
        Correction.objects.filter(story__in=Story.objects.published())
        .select_related("story__topic")
        .order_by("-created_at", "-pk")
    )
    return render(request, "stories/corrections.html", {"page": page_or_404(request, notes)})


def search(request):
    query = clean_query(request.GET.get("q", ""))
    topics = Topic.objects.with_published_stories()
    topic = next((t for t in topics if t.slug == request.GET.get("topic")), None)
    page = None
    if query:
        page = page_or_404(request, search_stories(query, topic=topic))
        for story in page.object_list:
            story.snippet = snippet(story, query)
    context = {
        "query": query,
        "topics": topics,
        "current_topic": topic,
        "page": page,
        "full_text": uses_full_text(),
    }
    return render(request, "stories/search.html", context)


def news_sitemap(request):
    """Stories from the last two days, in the news sitemap format."""
    since = timezone.now() - datetime.timedelta(days=2)
    stories = Story.objects.published().filter(published_at__gte=since).select_related("topic")
    return render(
        request,
        "stories/news_sitemap.xml",
        {"stories": stories.newest_first()[:1000]},
        content_type="application/xml; charset=utf-8",
    )
