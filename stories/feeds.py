"""RSS 2.0 and Atom feeds of published stories, for the site and each topic."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed

from factlen.caching import public_page

from .models import Story, Topic

FEED_LENGTH = 30


class LatestStoriesFeed(Feed):
    title = "Factlen: latest stories"
    description = "Every angle, every day: new stories with their viewpoints and sources."

    def link(self):
        return reverse("stories:home")

    def stories(self):
        return Story.objects.published().for_feed()

    def items(self, obj=None):
        return self.stories()[:FEED_LENGTH]

    def item_title(self, story):
        return story.title

    def item_description(self, story):
        return story.dek

    def item_author_name(self, story):
        return story.byline

    def item_pubdate(self, story):
        return story.published_at

    def item_updateddate(self, story):
        return story.updated_at

    def item_categories(self, story):
        return [story.topic.name, story.label, *sorted(t.name for t in story.tag_list)]


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = Atom1Feed
    subtitle = LatestStoriesFeed.description


class TopicFeed(LatestStoriesFeed):
    def get_object(self, request, topic):
        return get_object_or_404(Topic, slug=topic)

    def title(self, topic):
        return f"Factlen: {topic.name}"

    def description(self, topic):
        return topic.description or f"New {topic.name} stories on Factlen."

    def link(self, topic):
        return topic.get_absolute_url()

    def items(self, topic):
        return self.stories().filter(topic=topic)[:FEED_LENGTH]


class TopicAtomFeed(TopicFeed):
    feed_type = Atom1Feed

    def subtitle(self, topic):
        return self.description(topic)


app_name = "feeds"
urlpatterns = [
    path("rss/", public_page(LatestStoriesFeed()), name="rss"),
    path("atom/", public_page(LatestStoriesAtomFeed()), name="atom"),
    path("<slug:topic>/rss/", public_page(TopicFeed()), name="topic-rss"),
    path("<slug:topic>/atom/", public_page(TopicAtomFeed()), name="topic-atom"),
]
