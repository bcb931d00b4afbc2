import datetime
import functools
import hashlib
import re

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchVectorField
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import connections, models
from django.db.models import Count, F, OuterRef, Q, Window
from django.db.models.functions import Length, RowNumber, Upper
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator, slugify
from taggit.managers import TaggableManager

from factlen.db import count_related

from . import limits
from .images import LeadImage, LeadImageField
from .markdown import citation_numbers, render_body_with_anchors, render_line
from .partial_dates import PRECISIONS, PartialDate
from .source_mix import SourceMix

# Topic pages live at /<topic>/, so a topic may not take a name the site uses
# for its own pages (a test keeps this list in step with the URL patterns).
RESERVED_TOPIC_SLUGS = frozenset(
    {
        "about", "accounts", "admin", "api", "corrections", "feeds", "favicon.ico",
        "media", "newsletter", "preview", "robots.txt", "search", "sitemap.xml",
        "sitemap-news.xml", "sitemaps", "sources", "static", "stories", "tags", "topics",
        "authors",
    }
)  # fmt: skip


# A story's address without a reverse() each: a list of cards, a feed or a
# sitemap names dozens to thousands, at about 50 µs a reverse(). The pattern is
# reversed once per URLconf with markers for the slugs, then filled in; slugs
# are letters, digits, - and _ (validate_story_slug, SlugField), which need no
# quoting.
_STORY_PATH_MARKERS = ("topic-marker-7f3a", "slug-marker-7f3a")


@functools.lru_cache(maxsize=8)
def _story_path_parts(urlconf) -> tuple[str, str, str]:
    topic, slug = _STORY_PATH_MARKERS
    path = reverse("stories:story", urlconf=urlconf, kwargs={"topic": topic, "slug": slug})
    path = path.removeprefix(get_script_prefix())
    head, rest = path.split(topic)
    middle, tail = rest.split(slug)
    return head, middle, tail


def bounded(length: int) -> dict:
    """A TextField's arguments for at most `length` characters (stories.limits).

    A validator rather than max_length: the database keeps text unbounded
    either way, and max_length on a TextField would make SQLite rebuild the
    table; the admin's forms run model validation, so editors see the limit
    on the field.
    """
    return {"validators": [MaxLengthValidator(length)]}


def validate_topic_slug(value):
    if value in RESERVED_TOPIC_SLUGS:
        raise ValidationError(
            "“%(slug)s” is a site path (/%(slug)s/); choose another slug for this topic.",
            code="reserved",
            params={"slug": value},
        )


# /<topic>/timeline/ is the topic's timeline, so no story may take that slug.
RESERVED_STORY_SLUGS = frozenset({"timeline"})


def validate_story_slug(value):
    if value in RESERVED_STORY_SLUGS:
        raise ValidationError(
            "“%(slug)s” is a topic page's address; choose another slug for this story.",
            code="reserved",
            params={"slug": value},
        )


class TopicQuerySet(models.QuerySet):
    def counted(self, *, at=None) -> list["Topic"]:
        """The topics, each with `published_count`: its live stories (the one
        rule of visibility). A list: read from the kept count of published
        stories, less those still scheduled (a few, counted in one query),
        so the archive is never counted on a reader's request."""
        scheduled = dict(
            Story.objects.scheduled(at=at)
            .order_by()
            .values("topic")
            .annotate(n=Count("pk"))
            .values_list("topic", "n")
        )
        topics = list(self)
        for topic in topics:
            topic.published_count = topic.published_story_count - scheduled.get(topic.pk, 0)
        return topics

    def live(self, *, at=None) -> list["Topic"]:
        """Topics with at least one live story, with `published_count`."""
        counted = self.filter(published_story_count__gt=0).counted(at=at)
        return [topic for topic in counted if topic.published_count > 0]

    def with_story_count(self):
        return self.annotate(story_count=count_related(Story.objects.all(), "topic"))


def live_topics():
    """Topics with live stories and their `published_count`, name order: the
    navigation on every page. Kept until the content changes."""
    from factlen.caching import cached_for_version

    return cached_for_version("live-topics", Topic.objects.live)


def with_live_topics(stories) -> list:
    """`stories` (live ones, read without their topic) with their topics from
    the live topics, kept per content version: no join, and no Topic built per
    row. A story whose topic is not among them (not live at this moment)
    reads its own."""
    topics = {topic.pk: topic for topic in live_topics()}
    stories = list(stories)
    for story in stories:
        if story.topic_id in topics:
            story.topic = topics[story.topic_id]
    return stories


class Topic(models.Model):
    name = models.CharField(max_length=80, unique=True, help_text="As readers see it: “AI”.")
    slug = models.SlugField(
        max_length=80,
        unique=True,
        validators=[validate_topic_slug],
        help_text="The topic's address, as in /ai/. Changing it breaks links to its stories.",
    )
    description = models.CharField(
        max_length=300,
        blank=True,
        help_text="One or two sentences, shown on the topic page and in its newsletter box.",
    )

    # Stories with the status Published, scheduled ones included; kept by
    # stories.counts whenever a story's status or topic changes.
    published_story_count = models.PositiveIntegerField(default=0, editable=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("stories:topic", kwargs={"topic": self.slug})


IMAGE_WORDS_REQUIRED = "A lead image needs its alt text, caption and credit."
_BYLINE_SEPARATORS = re.compile(r",\s*|\s+and\s+|\s*&\s*")


def names_in_byline(byline: str) -> list[tuple[str, str]]:
    """(name, kind) of each author a byline written as text names, in order:
    "A, B and C" names three people; a byline starting with the site's name
    ("Factlen Editorial Team") is one desk."""
    byline = " ".join(byline.split())
    if not byline:
        return []
    if byline.startswith(settings.SITE_NAME):
        return [(byline, Author.Kind.DESK)]
    names = [name.strip() for name in _BYLINE_SEPARATORS.split(byline)]
    return list(dict.fromkeys((name, Author.Kind.PERSON) for name in names if name))


class AuthorQuerySet(models.QuerySet):
    def named(self, name: str, *, kind=None) -> "Author":
        """The author of this name, else a new one (saved) with a free slug."""
        name = name[: Author._meta.get_field("name").max_length]
        found = self.filter(name=name).order_by("pk").first()
        if found is not None:
            return found
        base = (slugify(name) or "author")[:70]
        taken = set(self.filter(slug__startswith=base).values_list("slug", flat=True))
        slug = next(
            candidate
            for candidate in (base, *(f"{base}-{n}" for n in range(2, len(taken) + 3)))
            if candidate not in taken
        )
        return self.create(name=name, slug=slug, kind=kind or Author.Kind.PERSON)

    def with_live_stories(self, *, at=None):
        """Authors of at least one live story: those with a public page."""
        bylines = StoryAuthor.objects.filter(story__in=Story.objects.published(at=at))
        return self.filter(pk__in=bylines.values("author"))

    def with_story_count(self):
        """Each author with `story_count`: the stories naming them, any state."""
        return self.annotate(story_count=count_related(StoryAuthor.objects.all(), "author"))


class Author(models.Model):
    """Who a byline names: a person, or a desk writing as the newsroom."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        DESK = "desk", "Desk or organisation"

    name = models.CharField(max_length=120, help_text="As the byline shows it: “Mara Okafor”.")
    slug = models.SlugField(
        max_length=80,
        unique=True,
        help_text="The author page's address, as in /authors/this-slug/.",
    )
    kind = models.CharField(
        max_length=10,
        choices=Kind,
        default=Kind.PERSON,
        help_text="A desk (“Factlen Editorial Team”) is described to search engines as an "
        "organisation, a person as a person.",
    )
    role = models.CharField(
        max_length=120, blank=True, help_text="Optional: “Energy correspondent”."
    )
    bio = models.TextField(
        blank=True,
        **bounded(limits.AUTHOR_BIO_LENGTH),
        help_text="A few sentences for the author page: beat, background, how to reach them.",
    )
    website = models.URLField(max_length=500, blank=True, help_text="Optional: a web page.")
    social = models.URLField(
        "social profile",
        max_length=500,
        blank=True,
        help_text="Optional: the address of a social media profile.",
    )
    photo = LeadImageField(
        upload_to="author-photos/",
        max_length=200,
        blank=True,
        width_field="photo_width",
        height_field="photo_height",
        help_text="Optional: a JPEG, PNG or WebP portrait, framed as it should be shown (it is "
        "not cropped), at least 400 pixels wide. Shown on the author page and when it is "
        "shared. Stored without its EXIF data. Its alt text is the author's name.",
    )
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # The renditions made for the photo (stories.images.make_renditions, at
    # PORTRAIT_WIDTHS), with the name of the file they were made from.
    photo_renditions = models.JSONField(default=dict, blank=True, editable=False)

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("authors:author", kwargs={"slug": self.slug})

    @property
    def is_person(self) -> bool:
        return self.kind == self.Kind.PERSON

    @property
    def links(self) -> list[tuple[str, str]]:
        """(label, URL) of the links the author page shows."""
        return [
            (label, url)
            for label, url in (("Website", self.website), ("Social profile", self.social))
            if url
        ]

    @property
    def portrait(self) -> LeadImage | None:
        """The photo as pages show it, or None. A portrait beside the name it
        shows needs no other description: its alt text is the name."""
        return LeadImage.stored(
            self.photo,
            width=self.photo_width,
            height=self.photo_height,
            renditions=self.photo_renditions,
            alt=self.name,
        )


class StoryQuerySet(models.QuerySet):
    def published(self, *, at=None):
        """Stories a reader may see: published, at a time that has come.

        This is the only definition of "live": every public page, feed,
        sitemap, search and newsletter starts from it.
        """
        return self.filter(status=Story.Status.PUBLISHED, published_at__lte=at or timezone.now())

    def scheduled(self, *, at=None):
        """Published stories whose time has not come yet."""
        return self.filter(status=Story.Status.PUBLISHED, published_at__gt=at or timezone.now())

    def newest_first(self):
        return self.order_by("-published_at", "-pk")

    def newest_per_topic(self, count, topic_ids):
        """At most `count` newest stories of each of the topics.

        On PostgreSQL, each topic's newest ids come from an index scan of that
        topic alone (an ARRAY subquery per topic), then the stories in one
        query: the cost does not grow with the archive. Elsewhere (SQLite),
        a window function over the stories, in one query.
        """
        topic_ids = list(topic_ids)
        if not topic_ids:
            return []
        if connections[self.db].vendor == "postgresql":
            newest = self.filter(topic=OuterRef("pk")).newest_first().values("pk")[:count]
            per_topic = Topic.objects.filter(pk__in=topic_ids).annotate(ids=ArraySubquery(newest))
            ids = [pk for ids in per_topic.values_list("ids", flat=True) for pk in ids]
            return list(self.filter(pk__in=ids).newest_first())
        rank = Window(
            RowNumber(),
            partition_by=[F("topic_id")],
            order_by=[F("published_at").desc(), F("pk").desc()],
        )
        ranked = self.filter(topic_id__in=topic_ids).annotate(topic_rank=rank)
        return list(ranked.filter(topic_rank__lte=count).newest_first())

    def for_cards(self):
        """What a story card shows: topic, label, title, dek, date, source count."""
        return self.select_related("topic").only(*CARD_FIELDS).newest_first()

    def cards_in_order(self, ids) -> list:
        """The cards of the stories `ids`, in that order.

        A long list is paged by its ids alone, then only the page's rows are
        read as cards: paged as cards, PostgreSQL counts the sources of every
        row an OFFSET skips too (at page 42, 500 counts for 12 cards).
        """
        ids = list(ids)
        rows = self.filter(pk__in=ids).only(*CARD_ROW_FIELDS).newest_first()
        by_pk = {story.pk: story for story in with_live_topics(rows)}
        return [by_pk[pk] for pk in ids if pk in by_pk]

    def for_feed(self):
        """What a feed item carries: a card's fields, its topic and update time.
        Its authors and tags (feed_rows) are read only for the items written
        afresh (stories.feeds)."""
        return self.select_related("topic").only(*CARD_FIELDS, "updated_at").newest_first()

    def for_article(self):
        """The story page's story: its own fields and topic; the rows it shows
        come with the rendered article (stories.rendering)."""
        return self.select_related("topic").defer("search_vector")

    def article(self, slug):
        """The story at `slug` for its page, or None: its own fields (not its
        search vector), and its topic from the live topics, which are kept
        per content version (a live story's topic is one), so no join.

        Slugs are unique: no ordering, and a query Django builds quickly.
        """
        try:
            story = self.defer("search_vector").get(slug=slug)
        except self.model.DoesNotExist:
            return None
        topic = next((t for t in live_topics() if t.pk == story.topic_id), None)
        if topic is not None:
            story.topic = topic
        return story

    def for_withdrawn_notice(self):
        """What the 410 page for a withdrawn story shows."""
        fields = ("title", "published_at", "withdrawn_reason", "topic__name", "topic__slug")
        return self.select_related("topic").only(*fields)

    def for_digest(self):
        """What a newsletter digest shows of each story: a card and its viewpoints."""
        return self.for_cards().prefetch_related("viewpoints")

    def for_news_sitemap(self):
        return (
            self.select_related("topic")
            .only("title", "slug", "published_at", "topic__slug")
            .newest_first()
        )

    def for_sitemap(self):
        """Addresses and update times only: a sitemap lists thousands."""
        return self.select_related("topic").only("slug", "updated_at", "topic__slug")

    def for_page(self):
        """Everything the story page shows, in a fixed number of queries."""
        return self.select_related("topic").defer("search_vector").prefetch_related(*PAGE_ROWS)


# A story's lead image, as cards and pages show it (stories.images).
IMAGE_FIELDS = (
    "image", "image_width", "image_height", "image_alt", "image_caption", "image_credit",
    "image_renditions",
)  # fmt: skip

# The fields a story card shows (includes/story_card.html), and the time it is
# kept rendered under (stories/templatetags/cards.py); without its topic's, for
# stories whose topic comes from the live topics (with_live_topics).
CARD_ROW_FIELDS = (
    "title", "slug", "dek", "label", "published_at", "updated_at", "source_count", "topic",
    *IMAGE_FIELDS,
)  # fmt: skip
CARD_FIELDS = (*CARD_ROW_FIELDS, "topic__name", "topic__slug")


class Story(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    title = models.CharField(max_length=200, help_text="The headline.")
    slug = models.SlugField(
        max_length=100,
        unique=True,
        validators=[validate_story_slug],
        help_text="The story's address after its topic, as in /ai/this-slug/. Keep it once "
        "published.",
    )
    dek = models.TextField(
        max_length=400,
        help_text="One or two sentences under the headline: the story and its tension.",
    )
    label = models.CharField(
        max_length=60, help_text="The kicker above the headline on cards, e.g. “On-Device AI”."
    )
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="stories")
    tags = TaggableManager(
        blank=True, help_text="Comma-separated keywords for finding and grouping stories."
    )
    # The byline as text, from before stories had authors: the data migration
    # made authors of it (stories 0022). Nothing shows it any more; kept until
    # a later migration drops it.
    byline = models.CharField(
        max_length=200, default="Factlen Editorial Team", blank=True, editable=False
    )
    authors = models.ManyToManyField(
        Author,
        through="StoryAuthor",
        related_name="stories",
        blank=True,
        help_text="Who the byline names, in its order.",
    )
    why_it_matters = models.TextField(
        blank=True,
        **bounded(limits.WHY_IT_MATTERS_LENGTH),
        help_text="“Why this matters”: a short paragraph on the stakes.",
    )
    body = models.TextField(
        blank=True,
        **bounded(limits.BODY_LENGTH),
        help_text="Markdown. Cite source n with [n]; start a paragraph with “> ” for a pull "
        "quote; “## ” for a subheading.",
    )
    image = LeadImageField(
        "lead image",
        upload_to="lead-images/",
        max_length=200,
        blank=True,
        width_field="image_width",
        height_field="image_height",
        help_text="Optional: a JPEG, PNG or WebP shown at the top of the story and on its "
        "cards, and when the story is shared. Stored without its EXIF data (a photo's "
        "location included).",
    )
    image_alt = models.CharField(
        "alt text",
        max_length=limits.IMAGE_ALT_LENGTH,
        blank=True,
        help_text="Required with an image: what it shows, for readers who cannot see it.",
    )
    image_caption = models.CharField(
        "caption",
        max_length=limits.IMAGE_CAPTION_LENGTH,
        blank=True,
        help_text="Required with an image: shown under it on the story page.",
    )
    image_credit = models.CharField(
        "credit",
        max_length=limits.IMAGE_CREDIT_LENGTH,
        blank=True,
        help_text="Required with an image: who made it, as in “Photo: A. Person / Agency”.",
    )
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # The renditions made for the image (stories.images.make_renditions), with
    # the name of the file they were made from: stale ones are never shown.
    image_renditions = models.JSONField(default=dict, blank=True, editable=False)
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT)
    published_at = models.DateTimeField(
        "published time",
        null=True,
        blank=True,
        help_text="Readers see the story from this time on. Required to publish.",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_stories",
        help_text="The writer who started the story.",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_stories",
        help_text="A writer who may edit the draft besides its owner.",
    )
    # Optimistic locking: every save through the admin bumps the version, and a
    # form that was opened at an older version is refused (stories.forms).
    version = models.PositiveIntegerField(default=1, editable=False)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    withdrawn_reason = models.TextField(
        "reason for withdrawal",
        blank=True,
        **bounded(limits.WITHDRAWN_REASON_LENGTH),
        help_text="Required to withdraw: shown to readers at the story's address.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Kept by stories.search on PostgreSQL (GIN-indexed there); unused on SQLite.
    # Left out of revisions (serialize=False): it is derived, and large.
    search_vector = SearchVectorField(null=True, editable=False, serialize=False)
    # How many citations the story has, as its card shows: kept by
    # stories.counts.recount_sources whenever citations change (stories.signals,
    # imports, restored revisions), so a list of cards counts nothing. Never
    # written by save() on an existing story (a story loaded before its
    # citations changed would put back a stale count); derived, so not in
    # revisions either.
    source_count = models.PositiveIntegerField(default=0, editable=False, serialize=False)

    objects = StoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-published_at", "-pk"]
        permissions = [
            ("publish_story", "Can publish, schedule and withdraw stories"),
            ("review_story", "Can approve stories in review or return them to the writer"),
            ("edit_any_story", "Can edit any story in any state"),
            ("override_check", "Can publish past a failed check, with a reason"),
        ]
        indexes = [
            models.Index(fields=["status", "published_at"], name="story_visibility"),
            # A topic's newest stories, any page deep, without reading other topics'.
            models.Index(fields=["topic", "status", "published_at"], name="story_topic_visibility"),
            # The newest change, for sitemaps and feeds, without reading every story.
            models.Index(fields=["updated_at"], name="story_updated"),
            # The admin's list, newest first, any status, a page at a time.
            models.Index(fields=["-published_at", "-id"], name="story_newest"),
            # The admin's search finds a story by its exact title (iexact) however old.
            models.Index(Upper("title"), name="story_title_upper"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_story_has_time",
                violation_error_message="A published story needs a published time.",
            ),
            models.CheckConstraint(
                condition=Q(image="")
                | (~Q(image_alt="") & ~Q(image_caption="") & ~Q(image_credit="")),
                name="story_image_described",
                violation_error_message=IMAGE_WORDS_REQUIRED,
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk is not None and kwargs.get("update_fields") is None:
            # The kept source count is written by recount_sources alone.
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and field.name != "source_count"
                and field.attname not in deferred
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        head, middle, tail = _story_path_parts(get_urlconf() or settings.ROOT_URLCONF)
        return f"{get_script_prefix()}{head}{self.topic.slug}{middle}{self.slug}{tail}"

    def clean(self):
        if self.image:
            missing = {
                name: "Required with a lead image."
                for name in ("image_alt", "image_caption", "image_credit")
                if not getattr(self, name).strip()
            }
            if missing:
                raise ValidationError(missing)
        if self.status == self.Status.PUBLISHED and not self.published_at:
            raise ValidationError({"published_at": "A published story needs a published time."})
        if self.status == self.Status.WITHDRAWN and not self.withdrawn_reason.strip():
            raise ValidationError(
                {"withdrawn_reason": "Say why the story is withdrawn: readers will see it."}
            )

    def limit_problems(self) -> list[str]:
        """What in the saved story is over stories.limits, in the limits' words.

        The admin's forms and the package format keep a story within the
        limits as it is written; this holds a story written any other way (a
        shell, data from before the limits) to them before it may move on
        through the workflow. A query per kind of row: no row is loaded.
        """
        problems = []
        for _, field in _bounded_text_fields(Story):
            length = len(getattr(self, field.name) or "")
            if length > _length_limit(field):
                problems.append(
                    f"The {field.verbose_name} is longer than {_length_limit(field):,} "
                    f"characters ({length:,})."
                )
        counts = (
            Story.objects.filter(pk=self.pk)
            .annotate(
                **{
                    f"{name}_count": count_related(model.objects.all(), "story")
                    for name, model in LIMITED_ROWS.items()
                }
            )
            .values(*(f"{name}_count" for name in LIMITED_ROWS))
            .first()
        ) or {}
        counts["tags_count"] = self.tags.count() if self.pk else 0
        for name, limit in limits.ITEMS.items():
            if counts.get(f"{name}_count", 0) > limit.most:
                problems.append(limit.refusal(counts[f"{name}_count"]))
        for row_model in LIMITED_ROWS.values():
            for _, field in _bounded_text_fields(row_model):
                most = _length_limit(field)
                longer = row_model.objects.annotate(n=Length(field.name))
                if longer.filter(story=self, n__gt=most).exists():
                    problems.append(
                        f"A row of {row_model._meta.verbose_name_plural} has a "
                        f"{field.verbose_name} longer than {most:,} characters."
                    )
        return problems

    @property
    def byline_authors(self) -> list["Author"]:
        """The authors in byline order (prefetch them with `bylines()`)."""
        return [row.author for row in self.story_authors.all()]

    @property
    def byline_names(self) -> str:
        """“A”, “A and B”, “A, B and C”: the byline as plain text."""
        names = [author.name for author in self.byline_authors]
        return (
            " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)
        )

    @property
    def last_correction_at(self):
        """When the newest public note was added (from the prefetched notes)."""
        return max((c.created_at for c in self.corrections.all()), default=None)

    @cached_property
    def lead_image(self) -> LeadImage | None:
        """The lead image as pages show it, or None."""
        return LeadImage.of(self)

    @property
    def is_live(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @cached_property
    def _rendered_body(self):
        outlets = {c.number: c.source.outlet.name for c in self.citations.all()}
        return render_body_with_anchors(self.body, outlets)

    @property
    def body_html(self):
        """The body as safe HTML, markers linked to this story's sources."""
        return self._rendered_body[0]

    @cached_property
    def source_mix(self):
        """What the story rests on, from the citations the page already loaded."""
        return SourceMix.of([c.source for c in self.citations.all()])

    @property
    def timeline(self):
        """(event, its text with [n] linked to this story's sources) in order,
        from the loaded rows."""
        outlets = {c.number: c.source.outlet.name for c in self.citations.all()}
        return [(event, render_line(event.text, outlets)) for event in self.timeline_events.all()]

    @property
    def viewpoints_with_sources(self):
        """(viewpoint, its detail as paragraphs with [n] linked to this story's
        sources, the citations it cites) in order, from the loaded rows."""
        by_number = {c.number: c for c in self.citations.all()}
        outlets = {c.number: c.source.outlet.name for c in by_number.values()}
        return [
            (
                v,
                _paragraphs(v.detail, outlets),
                [by_number[n] for n in v.cited_numbers if n in by_number],
            )
            for v in self.viewpoints.all()
        ]

    @property
    def cited_sources(self):
        """(citation, ids of its markers in the body) in citation order, for the
        sources list and its links back into the text."""
        anchors = self._rendered_body[1]
        return [(c, anchors.get(c.number, [])) for c in self.citations.all()]


def _paragraphs(text: str, outlets: dict[int, str]) -> SafeString:
    """Plain text with blank lines between paragraphs, each paragraph's [n]
    markers linked as the body's are."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]
    return mark_safe("".join(f"<p>{render_line(p, outlets)}</p>" for p in paragraphs))


class ReviewQueue(Story):
    """Stories waiting for an editor, as their own list in the admin."""

    class Meta:
        proxy = True
        verbose_name = "story in review"
        verbose_name_plural = "review queue"


class StoryAuthor(models.Model):
    """One name in a story's byline, in the byline's order."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="story_authors")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "author"
        verbose_name_plural = "authors (the byline, in order)"
        constraints = [
            models.UniqueConstraint(
                fields=["story", "author"],
                name="author_once_per_story",
                violation_error_message="Each author is named once in a byline.",
            ),
        ]

    def __str__(self):
        return str(self.author)


def feed_rows():
    """The prefetches a feed item needs besides its story: authors and tags
    (as a list: taggit's manager builds a new query object per access)."""
    return (models.Prefetch("tags", to_attr="tag_list"), bylines())


def bylines():
    """The prefetch of a story's authors in byline order: one query for any
    number of stories and authors."""
    return models.Prefetch("story_authors", StoryAuthor.objects.select_related("author"))


class StoryItem(models.Model):
    """A row edited with its story and shown in the editor's order."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")

    class Meta:
        abstract = True
        ordering = ["position", "pk"]


class Viewpoint(StoryItem):
    label = models.CharField(
        max_length=80, help_text="The position's name: “Regulatory Pragmatism”."
    )
    stance = models.CharField(
        max_length=200, help_text="One line for the perspectives strip at the top of the story."
    )
    holders = models.CharField(
        max_length=120, help_text="Who holds it, as a group: “Regulatory Pragmatists”."
    )
    summary = models.CharField(max_length=300, help_text="One sentence: the position in brief.")
    detail = models.TextField(
        help_text="A paragraph or more: the argument in its best form. Cite at least one "
        "source with [n].",
        **bounded(limits.VIEWPOINT_DETAIL_LENGTH),
    )
    # The sign-off: an editor other than the story's writer vouches that this is a fair
    # statement of the view. The name is kept as well as the account, so a sign-off
    # from a package (another site's editor) or by a since-deleted account still says who.
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    signed_off_by_name = models.CharField(
        "signed off by", max_length=150, blank=True, editable=False
    )
    signed_off_at = models.DateTimeField("signed off", null=True, blank=True, editable=False)
    # What was signed off: an edit after the sign-off changes the hash, and the
    # viewpoint needs signing off again.
    signed_off_hash = models.CharField(max_length=64, blank=True, editable=False)

    class Meta(StoryItem.Meta):
        default_related_name = "viewpoints"
        permissions = [
            ("sign_off_viewpoint", "Can sign off a viewpoint as a fair statement of that view"),
        ]

    def __str__(self):
        return self.label

    def content_hash(self) -> str:
        parts = [self.label, self.stance, self.holders, self.summary, self.detail]
        text = "\x1f".join(part.strip() for part in parts)
        return hashlib.sha256(text.encode()).hexdigest()

    def sign_off(self, *, by, at=None, name=""):
        """Record `by` (a user, or None with `name` for someone not on this site)
        vouching for the viewpoint as it reads now. Not saved here."""
        self.signed_off_by = by
        self.signed_off_by_name = by.get_username() if by is not None else name
        self.signed_off_at = at or timezone.now()
        self.signed_off_hash = self.content_hash()

    @property
    def is_signed_off(self) -> bool:
        """Signed off, and unchanged since."""
        return bool(self.signed_off_at) and self.signed_off_hash == self.content_hash()

    @property
    def cited_numbers(self) -> list[int]:
        """The source numbers the detail cites with [n], in reading order, once each."""
        return list(dict.fromkeys(citation_numbers(self.detail)))


class KeyPoint(StoryItem):
    text = models.CharField(max_length=400, help_text="One sentence.")

    class Meta(StoryItem.Meta):
        default_related_name = "key_points"

    def __str__(self):
        return self.text


# How many of a topic's latest stories offer their open questions to a new one.
ANSWERABLE_STORIES = 100


class OpenQuestionQuerySet(models.QuerySet):
    def answerable_by(self, story):
        """Questions `story` may answer: the open ones of the topic's newest
        ANSWERABLE_STORIES other stories, oldest first, and those it already
        answers. A topic of a big archive holds thousands of open questions:
        offering them all made the change page megabytes long."""
        if not story.topic_id:
            return self.none()
        recent = (
            Story.objects.filter(topic=story.topic_id)
            .exclude(pk=story.pk or 0)
            .order_by("-pk")
            .values("pk")[:ANSWERABLE_STORIES]
        )
        # A union, not an OR of the two: PostgreSQL scanned both whole tables
        # for the OR (75 ms at 20,000 stories), and reads a few index rows for this.
        offered = (
            self.filter(story__in=recent, status="open")
            .values("pk")
            .order_by()
            .union(self.filter(answered_in=story.pk or 0).values("pk").order_by())
        )
        return (
            self.filter(pk__in=offered)
            .exclude(story=story.pk or 0)
            # Offered as "story title: question", hundreds of them: no more is read.
            .select_related("story")
            .only("story", "text", "status", "answered_in", "story__title")
            .order_by("story__published_at", "story", "position", "pk")
        )

    def open_to_readers(self):
        """Open, or answered by a story readers cannot see yet (scheduled)."""
        return self.filter(
            Q(status="open") | Q(status="answered") & ~Q(answered_in__in=Story.objects.published())
        )

    def still_open_in(self, topic, *, limit=10):
        """The topic's questions open to readers in live stories, oldest story first."""
        live = Story.objects.published().filter(topic=topic).values("pk")
        return (
            self.open_to_readers()
            .filter(story__in=live)
            .select_related("story__topic")
            .only("text", "story__title", "story__slug", "story__topic__slug")
            .order_by("story__published_at", "story", "position", "pk")[:limit]
        )

    def recently_answered_in(self, topic, *, limit=5):
        """The topic's questions most recently answered by a live story."""
        live = Story.objects.published().values("pk")
        return (
            self.filter(status="answered", story__in=live.filter(topic=topic), answered_in__in=live)
            .select_related("story__topic", "answered_in__topic")
            .only(
                "text", "answered_on", "answered_paragraph",
                "story__title", "story__slug", "story__topic__slug",
                "answered_in__title", "answered_in__slug", "answered_in__topic__slug",
            )
            .order_by("-answered_on", "-pk")[:limit]
        )  # fmt: skip


class OpenQuestion(StoryItem):
    """An item of "What we don't know", until a later story answers it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ANSWERED = "answered", "Answered"
        NO_LONGER_RELEVANT = "irrelevant", "No longer relevant"

    text = models.CharField(max_length=400, help_text="One open question, as a sentence.")
    status = models.CharField(max_length=10, choices=Status, default=Status.OPEN)
    answered_on = models.DateField(
        null=True, blank=True, help_text="When the answer was published."
    )
    # Set from the answering story's admin page (its “Answers” field).
    answered_in = models.ForeignKey(
        Story,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="answers",
        help_text="The later story that answers the question.",
    )
    answered_paragraph = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The paragraph of that story with the answer."
    )

    objects = OpenQuestionQuerySet.as_manager()

    class Meta(StoryItem.Meta):
        default_related_name = "open_questions"
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="answered") | Q(answered_on__isnull=False),
                name="answered_question_has_date",
                violation_error_message="An answered question needs the date of its answer.",
            ),
        ]

    def __str__(self):
        return self.text

    @property
    def shows_answer(self) -> bool:
        """Answered by a story readers can open."""
        return self.status == self.Status.ANSWERED and bool(
            self.answered_in and self.answered_in.is_live
        )

    @property
    def is_open_to_readers(self) -> bool:
        """Open as readers see it: open, or answered by a story not live yet."""
        return self.status == self.Status.OPEN or (
            self.status == self.Status.ANSWERED and not self.shows_answer
        )

    def answer(self, *, story, paragraph=None, on=None):
        """Mark the question answered by `story` (saved), on `on`: by default
        today, or the day a scheduled story goes live."""
        today = timezone.localdate()
        if on is None and story.published_at and story.published_at > timezone.now():
            on = timezone.localdate(story.published_at)
        self.status = self.Status.ANSWERED
        self.answered_in = story
        self.answered_paragraph = paragraph
        self.answered_on = on or today
        self.save()

    def reopen(self):
        self.status = self.Status.OPEN
        self.answered_in = self.answered_on = self.answered_paragraph = None
        self.save()


class TimelineEventQuerySet(models.QuerySet):
    def in_topic(self, topic):
        """The events of the topic's live stories, each with its story's address."""
        live = Story.objects.published().filter(topic=topic).values("pk")
        return (
            self.filter(story__in=live)
            .select_related("story__topic")
            .only("date", "precision", "text", "story__title", "story__slug", "story__topic__slug")
            .order_by("date", "story__published_at", "pk")
        )


class TimelineEvent(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="timeline_events")
    date = models.DateField(help_text="For a month or a year, any day in it.")
    precision = models.CharField(
        max_length=5, choices=PRECISIONS, default="day", help_text="How much of the date is known."
    )
    text = models.CharField(
        max_length=300, help_text="One line: what happened. Cite the story's source n with [n]."
    )

    objects = TimelineEventQuerySet.as_manager()

    class Meta:
        ordering = ["date", "pk"]

    def __str__(self):
        return f"{self.when.display()}: {self.text}"

    def save(self, *args, **kwargs):
        # Store the first day of a month or year, so events sort by what is known.
        self.date = self.when.date
        super().save(*args, **kwargs)

    @property
    def cited_numbers(self) -> list[int]:
        """The source numbers the event cites with [n], in reading order, once each."""
        return list(dict.fromkeys(citation_numbers(self.text)))

    @property
    def when(self) -> PartialDate:
        return PartialDate.of(self.date, self.precision)


class Transition(models.Model):
    """One step of a story through the workflow: who, when, why."""

    class Action(models.TextChoices):
        SUBMIT = "submit", "Submit for review"
        RETURN = "return", "Return to writer"
        PUBLISH = "publish", "Publish or schedule"
        WITHDRAW = "withdraw", "Withdraw"
        IMPORT = "import", "Import a story package"

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=20, choices=Action)
    from_status = models.CharField(max_length=20, choices=Story.Status)
    to_status = models.CharField(max_length=20, choices=Story.Status)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    comment = models.TextField(blank=True, **bounded(limits.COMMENT_LENGTH))
    # Failed publish checks an editor published past: [{"rule": ..., "reason": ...}].
    overrides = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.action}: {self.from_status} → {self.to_status}"


def default_preview_expiry():
    return timezone.now() + PREVIEW_LINK_LIFETIME


PREVIEW_LINK_LIFETIME = datetime.timedelta(days=7)
PREVIEW_SALT = "stories.preview-link"


class PreviewLink(models.Model):
    """A read-only link to a story for an outside reviewer: signed, expiring,
    revocable. It always shows the story as last saved."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="preview_links")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=default_preview_expiry)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Preview of “{self.story}” until {self.expires_at:%d %b %Y}"

    def get_absolute_url(self):
        return reverse("stories:shared-preview", kwargs={"token": self.token})

    @property
    def token(self) -> str:
        return signing.dumps(self.pk, salt=PREVIEW_SALT)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @classmethod
    def from_token(cls, token: str) -> "PreviewLink | None":
        """The live link a token names; None if tampered, expired or revoked."""
        try:
            pk = signing.loads(token, salt=PREVIEW_SALT)
        except signing.BadSignature:
            return None
        link = cls.objects.filter(pk=pk).select_related("story").first()
        return link if link and link.is_usable else None


class CorrectionQuerySet(models.QuerySet):
    def public(self):
        """Notes on live stories: what readers may see."""
        return self.filter(story__in=Story.objects.published())

    def for_list(self):
        """What the corrections page shows: each note with its story's title and topic."""
        fields = ("title", "slug", "topic__name", "topic__slug")
        return (
            self.select_related("story__topic")
            .only("kind", "text", "created_at", *(f"story__{f}" for f in fields))
            .order_by("-created_at", "-pk")
        )


class Correction(models.Model):
    """A public note on a published story: what we got wrong, clarified or added."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        UPDATE = "update", "Update"

    # The kinds that mend what readers were told, sent again to readers a
    # digest gave the story (newsletter); an update adds news and is not.
    RESENT_KINDS = (Kind.CORRECTION, Kind.CLARIFICATION)

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.CORRECTION)
    text = models.TextField(
        help_text="What changed and why, as readers will read it.",
        **bounded(limits.CORRECTION_LENGTH),
    )
    created_at = models.DateTimeField(
        "time", default=timezone.now, help_text="When the note was made public."
    )
    paragraph = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Optional: the body paragraph it concerns, counting from 1.",
    )
    source_number = models.PositiveSmallIntegerField(
        "source",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Optional: the number of the source it concerns.",
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            # The corrections page, newest first: read from the top, not sorted
            # from every note in the archive.
            models.Index(fields=["-created_at", "-id"], name="correction_newest"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {Truncator(self.text).chars(60)}"


class Citation(models.Model):
    """Story cites source under a number, unique within the story."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey("sources.Source", on_delete=models.PROTECT, related_name="citations")
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)], help_text="[n] in the body points here."
    )
    quote = models.TextField(
        blank=True,
        **bounded(limits.CITATION_QUOTE_LENGTH),
        help_text="Optional: what the story takes from the source, a short quote or the "
        "claim it supports. Shown in the sources list.",
    )
    accessed = models.DateField(
        null=True, blank=True, help_text="Optional: when we last read the source."
    )

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(
                fields=["story", "number"],
                name="citation_number_unique_per_story",
                violation_error_message="Each citation number is used once per story.",
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="citation_number_positive"),
        ]

    def __str__(self):
        return f"[{self.number}] {self.source}"


def _length_limit(field) -> int | None:
    return min(
        (v.limit_value for v in field.validators if isinstance(v, MaxLengthValidator)),
        default=None,
    )


def _bounded_text_fields(model):
    """(model, field) for each text field kept unbounded by the database but
    bounded by a validator (stories.limits)."""
    return [
        (model, field)
        for field in model._meta.concrete_fields
        if isinstance(field, models.TextField) and _length_limit(field) is not None
    ]


# The rows edited with a story, by the name stories.limits counts them under.
LIMITED_ROWS = {
    "viewpoints": Viewpoint,
    "key_points": KeyPoint,
    "timeline_events": TimelineEvent,
    "open_questions": OpenQuestion,
    "citations": Citation,
    "corrections": Correction,
    "story_authors": StoryAuthor,
}

# What the story page shows with a story, as prefetches: the page's queries,
# whatever the story holds.
PAGE_ROWS = (
    "tags",
    bylines(),
    "viewpoints",
    "key_points",
    # Only the answering story's address and visibility, for "Answered … in …".
    models.Prefetch(
        "open_questions",
        OpenQuestion.objects.select_related("answered_in__topic").defer(
            "answered_in__body", "answered_in__search_vector"
        ),
    ),
    "timeline_events",
    "corrections",
    models.Prefetch("citations", Citation.objects.select_related("source__outlet")),
)
