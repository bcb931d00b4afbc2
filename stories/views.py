from django.shortcuts import get_object_or_404, redirect, render

from factlen.pagination import page_or_404

from .models import Story, Topic

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
    context = {"topic": topic, "page": page, "current_topic_slug": topic.slug}
    return render(request, "stories/topic.html", context)


def story_detail(request, topic, slug):
    story = get_object_or_404(Story.objects.published().for_page(), slug=slug)
    if story.topic.slug != topic:
        return redirect(story, permanent=True)
    more = Story.objects.published().filter(topic=story.topic).exclude(pk=story.pk)
    context = {
        "story": story,
        "current_topic_slug": story.topic.slug,
        "more_stories": more.for_cards()[:RELATED_STORIES],
        "topic_story_count": Story.objects.published().filter(topic=story.topic).count(),
    }
    return render(request, "stories/story.html", context)
