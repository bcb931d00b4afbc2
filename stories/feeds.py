"""RSS 2.0 and Atom feeds of published stories, for the site and each topic.

Feed readers show an RSS title or description, and an Atom summary (which
Django marks type="html"), as HTML. Our fields are plain text, so those go out
HTML-escaped: a "<script>" in a dek reaches the reader as the characters, never
as markup. Atom titles and subtitles are type="text" by default, and go out as
they are.
"""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from factlen.caching import public_page
from factlen.times import whole_seconds

from .models import Story, Topic

FEED_LENGTH = 30
SITE_DESCRIPTION = "Every angle, every day: new stories with their viewpoints and sources."


class LatestStoriesFeed(Feed):
    title = "Factlen: latest stories"
    description = SITE_DESCRIPTION

    def as_title(self, text):
        """A title as this feed type's readers read it: HTML for RSS."""
        return escape(text)

    def link(self):
        return reverse("stories:home")

    def stories(self):
        return Story.objects.published().for_feed()

    def items(self, obj=None):
        return self.stories()[:FEED_LENGTH]

    def item_title(self, story):
        return self.as_title(story.title)

    def item_description(self, story):
        return escape(story.dek)

    def item_author_name(self, story):
        return story.byline_names or None

    def item_pubdate(self, story):
        return whole_seconds(story.published_at)

    def item_updateddate(self, story):
        return whole_seconds(story.updated_at)

    def item_categories(self, story):
        return [story.topic.name, story.label, *sorted(t.name for t in story.tag_list)]


class AtomMixin:
    feed_type = Atom1Feed

    def as_title(self, text):
        return text  # type="text": readers show it as written


class LatestStoriesAtomFeed(AtomMixin, LatestStoriesFeed):
    subtitle = SITE_DESCRIPTION


class TopicFeed(LatestStoriesFeed):
    def get_object(self, request, topic):
        return get_object_or_404(Topic, slug=topic)

    def title(self, topic):
        return self.as_title(f"Factlen: {topic.name}")

    def topic_description(self, topic):
        return topic.description or f"New {topic.name} stories on Factlen."

    def description(self, topic):
        return escape(self.topic_description(topic))

    def link(self, topic):
        return topic.get_absolute_url()

    def items(self, topic):
        return self.stories().filter(topic=topic)[:FEED_LENGTH]


class TopicAtomFeed(AtomMixin, TopicFeed):
    def subtitle(self, topic):
        return self.topic_description(topic)


app_name = "feeds"
urlpatterns = [
    path("rss/", public_page(LatestStoriesFeed()), name="rss"),
    path("atom/", public_page(LatestStoriesAtomFeed()), name="atom"),
    path("<slug:topic>/rss/", public_page(TopicFeed()), name="topic-rss"),
    path("<slug:topic>/atom/", public_page(TopicAtomFeed()), name="topic-atom"),
]
