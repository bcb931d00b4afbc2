"""RSS 2.0 and Atom feeds of published stories, for the site and each topic.

Feed readers show an RSS title or description, and an Atom summary (which
Django marks type="html"), as HTML. Our fields are plain text, so those go out
HTML-escaped: a "<script>" in a dek reaches the reader as the characters, never
as markup. Atom titles and subtitles are type="text" by default, and go out as
they are.

Each story's entry (its <item> or <entry>) is written once per version of the
story and kept (factlen.caching.read_kept), as a card is: a feed reads its
thirty stories in one query and writes only the entries of stories that
changed, reading their authors and tags for those alone. What an entry shows
(the story's fields, topic, authors and tags) touches the story's
`updated_at` when it changes (stories.signals), which is in the entry's key.
"""

from io import StringIO

from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.db.models import prefetch_related_objects
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator

from factlen.caching import kept_per_version, public_page
from factlen.times import whole_seconds

from .models import Story, Topic, feed_rows

FEED_LENGTH = 30
SITE_DESCRIPTION = "Every angle, every day: new stories with their viewpoints and sources."


class KeptEntries:
    """A feed generator whose items arrive already written: each item is a dict
    with the entry's XML ("xml", from `entry_xml`) and its dates."""

    entry_element = "item"

    def entry_xml(self, item: dict) -> str:
        """One item, as this generator writes it (escaping included)."""
        out = StringIO()
        handler = SimplerXMLGenerator(out, "utf-8", short_empty_elements=True)
        handler.startElement(self.entry_element, self.item_attributes(item))
        self.add_item_elements(handler, item)
        handler.endElement(self.entry_element)
        return out.getvalue()

    def write_items(self, handler):
        for item in self.items:
            # Raw: written by entry_xml, so already XML with its text escaped.
            handler.ignorableWhitespace(item["xml"])

    def write(self, outfile, encoding):
        # One write to the response: a write per element and piece of text was
        # a fifth of a feed's time.
        buffer = StringIO()
        super().write(buffer, encoding)
        outfile.write(buffer.getvalue())


class RssFeed(KeptEntries, Rss201rev2Feed):
    pass


class AtomFeed(KeptEntries, Atom1Feed):
    entry_element = "entry"


class LatestStoriesFeed(Feed):
    feed_type = RssFeed
    title = "Factlen: latest stories"
    description = SITE_DESCRIPTION

    def as_title(self, text):
        """A title as this feed type's readers read it: HTML for RSS."""
        return escape(text)

    def link(self):
        return reverse("stories:home")

    def stories(self, obj=None):
        return Story.objects.published()

    def items(self, obj=None):
        # Django's loop writes no item: get_feed adds each story's kept entry.
        return []

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)  # the channel: title, links, description
        # The stories' ids and times alone: a story is read whole only when
        # its entry is written afresh.
        listed = self.stories(obj).newest_first().values_list("pk", "published_at", "updated_at")
        listed = list(listed[:FEED_LENGTH])
        domain = get_current_site(request).domain
        scheme = "https" if request.is_secure() else "http"

        def write(missing):
            stories = list(Story.objects.published().filter(pk__in=missing).for_feed())
            prefetch_related_objects(stories, *feed_rows())
            return {story.pk: feed.entry_xml(self.entry(feed, story, request)) for story in stories}

        versions = {pk: updated_at.isoformat() for pk, _, updated_at in listed}
        kind = f"feed-entry:{feed.entry_element}:{scheme}:{domain}"
        entries = kept_per_version(kind, versions, write)
        feed.items = [
            {
                "xml": entries[pk],
                "pubdate": whole_seconds(published_at),
                "updateddate": whole_seconds(updated_at),
            }
            for pk, published_at, updated_at in listed
            if pk in entries  # one withdrawn between the two reads is left out
        ]
        return feed

    def entry(self, feed, story, request) -> dict:
        """The story as an item of `feed`, normalised by the generator's add_item."""
        link = add_domain(
            get_current_site(request).domain, story.get_absolute_url(), request.is_secure()
        )
        feed.add_item(
            title=self.item_title(story),
            link=link,
            description=self.item_description(story),
            unique_id=link,
            pubdate=self.item_pubdate(story),
            updateddate=self.item_updateddate(story),
            author_name=self.item_author_name(story),
            categories=self.item_categories(story),
        )
        return feed.items.pop()

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
    feed_type = AtomFeed

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

    def stories(self, topic):
        return Story.objects.published().filter(topic=topic)


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
