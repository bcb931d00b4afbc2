"""Realistic archives for the benchmark, built fast and kept between runs.

`build(size)` fills the configured (PostgreSQL) database with `size` published
stories over 20 topics, plus drafts, stories in review, scheduled and withdrawn
ones, every inline a story page shows, shared sources over 300 outlets, tags,
workflow transitions, a few revisions, newsletter subscribers and a superuser.

Rows go in through COPY, built from model instances so that fields added later
get their defaults; a chunk of stories at a time keeps memory flat at 20,000
stories. A marker table records the generator version and size, so a second
run reuses the data set (child.prepare), its times shifted so that "published
an hour ago" stays an hour ago; bump GENERATOR_VERSION when its shape changes.
"""

import datetime
import json
import random
import time

import reversion
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag, TaggedItem

from newsletter.models import Subscriber, Subscription
from sources.models import BROKEN_AFTER, Outlet, OutletDomain, Source
from sources.normalize import normalize_url
from stories.counts import recount_all
from stories.models import (
    Citation,
    Correction,
    KeyPoint,
    OpenQuestion,
    Story,
    TimelineEvent,
    Topic,
    Transition,
    Viewpoint,
)
from stories.search import refresh_search_vectors

from . import text
from .text import Writer

GENERATOR_VERSION = 2
MARKER_TABLE = "bench_dataset"
SUPERUSER = "bench"
SUPERUSER_PASSWORD = "bench"  # a throw-away database on 127.0.0.1

OUTLETS = 300
SOURCES_PER_STORY = 5  # 5,000 for 1,000 stories; 100,000 for 20,000
TAGS = 150
STORIES_PER_DAY = 10  # how fast the archive grows: 20,000 stories span five years
CHUNK = 2000  # stories generated and copied at a time
REVISIONS = 5  # of each story the admin figures open


def marker():
    """The built data set's marker row as a dict, or None."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(
            f"SELECT version, size, anchored_at, build_seconds, counts FROM {MARKER_TABLE}"
        )
        row = cursor.fetchone()
    if row is None:
        return None
    found = dict(
        zip(["version", "size", "anchored_at", "build_seconds", "counts"], row, strict=True)
    )
    if isinstance(found["counts"], str):  # Django reads jsonb as text
        found["counts"] = json.loads(found["counts"])
    return found


def is_current(found, size: int) -> bool:
    return bool(found) and found["version"] == GENERATOR_VERSION and found["size"] == size


def reanchor(anchored_at, *, log=print):
    """Shift every story time by the time since the set was built (or last
    shifted), so scheduled stories stay scheduled and the news sitemap full."""
    delta = timezone.now() - anchored_at
    if delta < datetime.timedelta(hours=1):
        return
    log(f"  shifting the data set's times by {delta} to keep them relative to now")
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns in [
            (Story._meta.db_table, ["published_at", "created_at", "updated_at"]),
            (Correction._meta.db_table, ["created_at"]),
            (Transition._meta.db_table, ["at"]),
        ]:
            sets = ", ".join(f"{c} = {c} + %s" for c in columns)
            cursor.execute(f"UPDATE {table} SET {sets}", [delta] * len(columns))
        cursor.execute(f"UPDATE {MARKER_TABLE} SET anchored_at = anchored_at + %s", [delta])
    with connection.cursor() as cursor:
        for model in (Story, Correction, Transition):
            cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")


def copy_into(model, objects):
    """COPY model instances into the model's table, every concrete column."""
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    prepare = [(f.attname, f.get_db_prep_save) for f in fields]
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objects:
            copy.write_row([save(getattr(obj, name), connection) for name, save in prepare])
    return len(objects)


class Ids:
    """Primary keys handed out in Python, so children can point at parents before
    anything is inserted."""

    def __init__(self):
        self.next = {}

    def __call__(self, model) -> int:
        if model not in self.next:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {model._meta.db_table}")
                self.next[model] = cursor.fetchone()[0]
        value = self.next[model]
        self.next[model] += 1
        return value


class Builder:
    def __init__(self, size: int, *, log=print):
        self.size = size
        self.log = log
        self.rng = random.Random(f"factlen-bench-{size}-v{GENERATOR_VERSION}")
        self.write = Writer(self.rng)
        self.ids = Ids()
        self.now = timezone.now().replace(microsecond=0)
        self.counts = {}

    def count(self, model, objects):
        self.counts[model._meta.label] = self.counts.get(model._meta.label, 0) + copy_into(
            model, objects
        )

    # -- people, topics, outlets, sources, tags ------------------------------

    def people(self):
        User = get_user_model()
        User.objects.create_superuser(SUPERUSER, "bench@factlen.example", SUPERUSER_PASSWORD)
        password = make_password("correct horse battery staple")
        users = [
            User(
                pk=self.ids(User),
                username=f"{role}{i}",
                email=f"{role}{i}@factlen.example",
                password=password,
                is_staff=True,
                date_joined=self.now,
            )
            for role in ("writer", "editor")
            for i in range(6)
        ]
        self.count(User, users)
        self.writers = [u.pk for u in users[:6]]
        self.editors = [u.pk for u in users[6:]]

    def topics(self):
        self.topic_ids, self.topic_slugs = [], {}
        objects = []
        for name, slug in text.TOPICS:
            topic = Topic(
                pk=self.ids(Topic),
                name=name,
                slug=slug,
                description=f"Stories about {name.lower()}: who decides, who pays, who gains.",
            )
            objects.append(topic)
            self.topic_ids.append(topic.pk)
            self.topic_slugs[topic.pk] = slug
        self.count(Topic, objects)

    def outlets(self):
        kinds = [k for k, _ in Outlet.Kind.choices]
        names = [f"{p} {w}" for w in text.OUTLET_WORDS for p in text.PLACES][:OUTLETS]
        outlets, domains = [], []
        self.outlet_domains = []
        for name in names:
            slug = slugify(name)
            domain = slug.replace("-", "") + ".example"
            outlet = Outlet(
                pk=self.ids(Outlet),
                name=name,
                slug=slug,
                homepage=f"https://{domain}",
                kind=self.rng.choice(kinds),
                country=self.rng.choice(text.COUNTRIES),
                description=f"{name} covers {self.rng.choice(text.PLACES)} and the region.",
                created_at=self.now,
            )
            outlets.append(outlet)
            domains.append(OutletDomain(pk=self.ids(OutletDomain), outlet=outlet, domain=domain))
            self.outlet_domains.append((outlet.pk, domain))
        self.count(Outlet, outlets)
        self.count(OutletDomain, domains)

    def sources(self):
        """Shared sources, unevenly spread over outlets: a few wires and papers are
        cited everywhere, most outlets now and then."""
        total = SOURCES_PER_STORY * self.size
        weights = [1 / (i + 1) ** 0.8 for i in range(len(self.outlet_domains))]
        picks = self.rng.choices(self.outlet_domains, weights=weights, k=total)
        broken = set(self.rng.sample(range(total), min(20, total)))
        sections = ["news", "politics", "business", "local", "analysis", "reports"]
        self.source_ids = []
        batch = []
        themes = list(text.THEMES)
        for i, (outlet_id, domain) in enumerate(picks):
            self.write.about(self.rng.choice(themes))
            title = self.write.headline()
            published = self.now.date() - datetime.timedelta(days=self.rng.randint(1, 2500))
            url = normalize_url(
                f"https://{domain}/{self.rng.choice(sections)}/{published.year}/"
                f"{slugify(title)[:60]}-{i}"
            )
            source = Source(
                pk=self.ids(Source),
                outlet_id=outlet_id,
                title=title,
                url=url,
                author=self.rng.choice(["", "", "J. Rivera", "M. Okafor", "S. Lund", "A. Patel"]),
                published_on=published,
                created_at=self.now,
                updated_at=self.now,
            )
            if i in broken:
                source.link_failures = BROKEN_AFTER
                source.link_status = 404
                source.link_checked_at = self.now
                if i % 2:
                    source.archive_url = f"https://archive.example/web/{url}"
            batch.append(source)
            self.source_ids.append(source.pk)
            if len(batch) == 10_000:
                self.count(Source, batch)
                batch = []
        self.count(Source, batch)

    def tags(self):
        names = [f"{a} {b}" for a in text.TAG_WORDS for b in text.TAG_WORDS if a != b]
        names = text.TAG_WORDS + self.rng.sample(names, TAGS - len(text.TAG_WORDS))
        objects = [Tag(pk=self.ids(Tag), name=n, slug=slugify(n)) for n in names]
        self.count(Tag, objects)
        self.tag_ids = [t.pk for t in objects]
        self.story_type = ContentType.objects.get_for_model(Story).pk

    # -- stories --------------------------------------------------------------

    def plan(self):
        """(status, published_at) for every story: the published archive, one
        every 1/STORIES_PER_DAY day back from an hour ago, and the rest."""
        step = datetime.timedelta(days=1 / STORIES_PER_DAY)
        latest = self.now - datetime.timedelta(hours=1)
        plans = [(Story.Status.PUBLISHED, latest - i * step) for i in range(self.size)]
        extra = lambda share: max(5, self.size * share // 100)  # noqa: E731
        back = lambda: latest - datetime.timedelta(days=self.rng.uniform(0, 60))  # noqa: E731
        plans += [(Story.Status.DRAFT, None)] * extra(4)
        plans += [(Story.Status.IN_REVIEW, None)] * extra(2)
        plans += [
            (Story.Status.PUBLISHED, self.now + datetime.timedelta(days=self.rng.uniform(1, 30)))
            for _ in range(extra(1))
        ]
        plans += [(Story.Status.WITHDRAWN, back()) for _ in range(extra(1))]
        # Oldest first, so ids grow with time as they would.
        self.rng.shuffle(plans)
        plans.sort(key=lambda p: p[1] or self.now)
        return plans

    def stories(self):
        plans = self.plan()
        for start in range(0, len(plans), CHUNK):
            self.chunk(plans[start : start + CHUNK], start)
            self.log(f"  stories {min(start + CHUNK, len(plans)):>6} of {len(plans)}")

    def chunk(self, plans, offset):
        r, write = self.rng, self.write
        rows = {
            model: []
            for model in (
                Story,
                Viewpoint,
                KeyPoint,
                OpenQuestion,
                TimelineEvent,
                Citation,
                Correction,
                Transition,
                TaggedItem,
            )
        }
        themes = list(text.THEMES)
        for n, (status, published_at) in enumerate(plans, start=offset):
            created = (published_at or self.now) - datetime.timedelta(days=r.uniform(1, 10))
            topic_id = r.choice(self.topic_ids)
            # A story is about its topic (when that is a theme) and two themes more.
            write.about(self.topic_slugs[topic_id], *r.sample(themes, 2))
            title = write.headline()
            citations = r.randint(6, 20)
            story = Story(
                pk=self.ids(Story),
                title=title[:200],
                slug=f"{slugify(title)[:80]}-{n}",
                dek=f"{write.sentence()}. {write.sentence()}.",
                label=r.choice(text.LABELS),
                topic_id=topic_id,
                byline=r.choice(["Factlen Editorial Team", "Mara Okafor", "Jonah Rivera"]),
                why_it_matters=write.paragraph(2),
                body=write.body(citations),
                status=status,
                published_at=published_at,
                owner_id=r.choice(self.writers),
                last_edited_by_id=r.choice(self.editors),
                created_at=created,
                updated_at=published_at or created,
            )
            if status == Story.Status.WITHDRAWN:
                story.withdrawn_reason = "A source we relied on retracted its report."
            rows[Story].append(story)
            self.inlines(story, citations, rows)
            self.workflow(story, rows)
        for model, objects in rows.items():
            self.count(model, objects)

    def inlines(self, story, citations, rows):
        r, write = self.rng, self.write
        sid = story.pk
        for i in range(r.randint(3, 6)):
            holders = r.choice(text.HOLDERS)
            rows[Viewpoint].append(
                Viewpoint(
                    pk=self.ids(Viewpoint),
                    story_id=sid,
                    position=i,
                    label=r.choice(text.LABELS),
                    stance=write.sentence()[:200],
                    holders=holders,
                    summary=write.sentence()[:300],
                    detail=f"{write.paragraph(4)}\n\n{write.paragraph(3)}",
                )
            )
        for i in range(r.randint(5, 10)):
            rows[KeyPoint].append(
                KeyPoint(pk=self.ids(KeyPoint), story_id=sid, position=i, text=write.sentence())
            )
        for i in range(r.randint(3, 6)):
            rows[OpenQuestion].append(
                OpenQuestion(
                    pk=self.ids(OpenQuestion), story_id=sid, position=i, text=write.question()
                )
            )
        start = (story.published_at or self.now).date()
        for _ in range(r.randint(5, 12)):
            day = start - datetime.timedelta(days=r.randint(1, 3000))
            precision = r.choice(["day", "day", "month", "year"])
            if precision == "month":
                day = day.replace(day=1)
            elif precision == "year":
                day = day.replace(month=1, day=1)
            rows[TimelineEvent].append(
                TimelineEvent(
                    pk=self.ids(TimelineEvent),
                    story_id=sid,
                    date=day,
                    precision=precision,
                    text=write.sentence()[:300],
                )
            )
        for number, source_id in enumerate(r.sample(self.source_ids, citations), start=1):
            rows[Citation].append(
                Citation(
                    pk=self.ids(Citation),
                    story_id=sid,
                    source_id=source_id,
                    number=number,
                    quote=write.sentence() if r.random() < 0.3 else "",
                    accessed=start if r.random() < 0.5 else None,
                )
            )
        for tag_id in r.sample(self.tag_ids, r.randint(2, 4)):
            rows[TaggedItem].append(
                TaggedItem(
                    pk=self.ids(TaggedItem),
                    tag_id=tag_id,
                    content_type_id=self.story_type,
                    object_id=sid,
                )
            )
        if story.published_at and story.published_at < self.now and r.random() < 0.04:
            for k in range(r.randint(1, 2)):
                at = story.published_at + datetime.timedelta(hours=r.uniform(2, 72))
                rows[Correction].append(
                    Correction(
                        pk=self.ids(Correction),
                        story_id=sid,
                        kind=r.choice(Correction.Kind.values),
                        text=f"An earlier version misstated a figure. {write.sentence()}.",
                        created_at=at,
                        source_number=1 if k else None,
                    )
                )
                story.updated_at = max(story.updated_at, at)

    def workflow(self, story, rows):
        """The transitions a story's status implies: submitted, then published or withdrawn."""
        status, S = story.status, Story.Status
        if status == S.DRAFT:
            return
        submitted = story.created_at + datetime.timedelta(hours=6)
        steps = [("submit", S.DRAFT, S.IN_REVIEW, story.owner_id, submitted)]
        if status in (S.PUBLISHED, S.WITHDRAWN):
            at = min(story.published_at, submitted + datetime.timedelta(hours=6))
            steps.append(("publish", S.IN_REVIEW, S.PUBLISHED, story.last_edited_by_id, at))
        if status == S.WITHDRAWN:
            at = story.published_at + datetime.timedelta(days=1)
            steps.append(("withdraw", S.PUBLISHED, S.WITHDRAWN, story.last_edited_by_id, at))
        for action, before, after, by, at in steps:
            rows[Transition].append(
                Transition(
                    pk=self.ids(Transition),
                    story_id=story.pk,
                    action=action,
                    from_status=before,
                    to_status=after,
                    by_id=by,
                    at=at,
                )
            )

    # -- readers --------------------------------------------------------------

    def subscribers(self):
        subscribers, subscriptions = [], []
        for i in range(max(100, self.size // 10)):
            kind = self.rng.random()
            created = self.now - datetime.timedelta(days=self.rng.uniform(1, 900))
            subscriber = Subscriber(
                pk=self.ids(Subscriber),
                email=f"reader{i}@mail{i % 7}.example",
                created_at=created,
                confirmed_at=None if kind < 0.1 else created + datetime.timedelta(hours=1),
                unsubscribed_at=self.now if kind > 0.9 else None,
            )
            subscribers.append(subscriber)
            for topic_id in self.rng.sample(self.topic_ids, self.rng.randint(1, 3)):
                subscriptions.append(
                    Subscription(
                        pk=self.ids(Subscription),
                        subscriber_id=subscriber.pk,
                        topic_id=topic_id,
                        created_at=created,
                    )
                )
        self.count(Subscriber, subscribers)
        self.count(Subscription, subscriptions)


def add_revisions(story, *, user):
    """A few recorded revisions, so the history page has something to list."""
    for i in range(REVISIONS):
        with reversion.create_revision():
            reversion.add_to_revision(story)
            reversion.set_user(user)
            reversion.set_comment(f"Benchmark revision {i + 1}")


def build(size: int, *, log=print) -> None:
    from .pages import stories_with_history  # the admin figures open these

    started = time.monotonic()
    builder = Builder(size, log=log)
    log(f"  building {size} published stories (seeded, COPY)")
    with transaction.atomic():
        builder.people()
        builder.topics()
        builder.outlets()
        builder.sources()
        builder.tags()
        builder.stories()
        builder.subscribers()
        models = list({Story, Source, Outlet, Topic, Tag, TaggedItem, Subscriber, Transition})
        models += [Viewpoint, KeyPoint, OpenQuestion, TimelineEvent, Citation, Correction]
        models += [OutletDomain, Subscription, get_user_model()]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)
    copied = time.monotonic() - started
    log(f"  copied {sum(builder.counts.values()):,} rows in {copied:.0f} s; search vectors…")
    refresh_search_vectors()
    # COPY sends no signals: fill the counts pages read, as a migration would.
    recount_all()
    user = get_user_model().objects.get(username=SUPERUSER)
    for story in stories_with_history():
        add_revisions(story, user=user)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    seconds = time.monotonic() - started
    counts = {label.split(".")[-1]: n for label, n in builder.counts.items()}
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {MARKER_TABLE} (version integer, size integer, "
            "anchored_at timestamptz, build_seconds double precision, counts jsonb)"
        )
        cursor.execute(
            f"INSERT INTO {MARKER_TABLE} VALUES (%s, %s, %s, %s, %s::jsonb)",
            [GENERATOR_VERSION, size, builder.now, seconds, json.dumps(counts, sort_keys=True)],
        )
    log(f"  built in {seconds:.0f} s")
