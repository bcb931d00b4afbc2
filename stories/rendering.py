"""What readers' pages show of the content, rendered once per change and kept.

The story article:


Most of a story page is the story itself: its text, viewpoints, timeline,
notes and sources, and the tags that describe it to search engines and
social sites. That part changes only when the story or something it shows
changes, and every such change touches the story's `updated_at`
(stories.signals). So the rendered article is kept in the cache under the
story's id and `updated_at`, and rendered again only after a change, or once
a scheduled story answering one of its questions goes live. The page
around it (navigation, more stories in the topic) is rendered per request;
previews always render afresh.

The front page: the lead story and each topic's newest stories. They show
nothing but content, so they are rendered once per content version (as the
navigation is), which spares the eighty cards' queries and template work on
every request the page cache does not answer: a link with a campaign's query
string, say, or a worker whose local cache has not seen the page yet.
"""

import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from factlen.caching import cached_for_version, code_version, keep, read_kept

from .models import PAGE_ROWS, Story, bylines, live_topics

FRONT_PAGE_STORIES_PER_TOPIC = 4


@dataclass(frozen=True)
class RenderedArticle:
    head: SafeString  # canonical link, Open Graph and Twitter tags, JSON-LD
    body: SafeString  # the <article>


def story_article(request, story, *, preview=False) -> RenderedArticle:
    """The rendered article of `story` (loaded with its topic)."""
    canonical_url = request.build_absolute_uri(story.get_absolute_url())
    if preview:
        return _render(request, story, canonical_url)
    key = ":".join(
        [
            "factlen:article",
            code_version(),
            str(story.pk),
            story.updated_at.isoformat(),
            canonical_url,
        ]
    )
    kept = read_kept([key]).get(key)
    if kept is not None:
        head, body, until = kept
        if until is None or time.time() < until:
            # Safe: rendered from our templates, which escape what they show.
            return RenderedArticle(mark_safe(head), mark_safe(body))
    article = _render(request, story, canonical_url)
    until = _answer_goes_live(story)
    keep({key: (str(article.head), str(article.body), until)}, settings.PAGE_CACHE_TIMEOUT)
    return article


def _answer_goes_live(story) -> float | None:
    """When the first scheduled story answering one of `story`'s questions goes
    live (epoch seconds), or None: the kept article shows the answer from then,
    though no save touched the story (from its prefetched questions)."""
    now = timezone.now()
    times = [
        question.answered_in.published_at
        for question in story.open_questions.all()
        if question.answered_in is not None
        and question.answered_in.status == Story.Status.PUBLISHED
        and question.answered_in.published_at > now
    ]
    return min(times).timestamp() if times else None


def _render(request, story, canonical_url) -> RenderedArticle:
    if not getattr(story, "_prefetched_objects_cache", None):
        prefetch_related_objects([story], *PAGE_ROWS)
    context = {
        "story": story,
        "request": request,
        "canonical_url": canonical_url,
        "SITE_NAME": settings.SITE_NAME,
    }
    return RenderedArticle(
        head=mark_safe(render_to_string("stories/article_head.html", context)),
        body=mark_safe(render_to_string("stories/article.html", context)),
    )


def front_page() -> SafeString:
    """The home page's lead story and topic sections, as HTML."""
    html = cached_for_version(
        "front-page", lambda: render_to_string("stories/front_page.html", _front_page_context())
    )
    # Safe: rendered from our templates, which escape what they show.
    return mark_safe(html)


def _front_page_context() -> dict:
    stories = Story.objects.published().for_cards()
    lead = stories.first()
    topics = live_topics()
    newest = stories.exclude(pk=getattr(lead, "pk", None)).newest_per_topic(
        FRONT_PAGE_STORIES_PER_TOPIC, [topic.pk for topic in topics]
    )
    # Every card names its authors: theirs in one query, not one per section.
    prefetch_related_objects([*newest, *([lead] if lead else [])], bylines())
    sections = []
    for topic in topics:
        cards = [story for story in newest if story.topic_id == topic.pk]
        on_page = len(cards) + (lead is not None and lead.topic_id == topic.pk)
        # A topic whose only story leads the page has nothing more to show; one
        # whose every story is on the page has no "See all" beside fewer cards.
        if cards:
            sections.append((topic, cards, topic.published_count > on_page))
    return {"lead_list": [lead] if lead else [], "sections": sections}
