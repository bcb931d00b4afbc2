import datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from sources.models import Outlet, Source
from stories.models import (
    Author,
    Citation,
    KeyPoint,
    OpenQuestion,
    Story,
    StoryAuthor,
    TimelineEvent,
    Topic,
    Viewpoint,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


def newsroom_member(username: str, role: str):
    """A staff account in one of the newsroom's real groups (as createstaff makes it),
    so a test has exactly the permissions that role has."""
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    description = "Stories about this topic."


class OutletFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outlet
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Outlet {n}")
    slug = factory.Sequence(lambda n: f"outlet-{n}")
    kind = Outlet.Kind.NEWSPAPER


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    outlet = factory.SubFactory(OutletFactory)
    title = factory.Sequence(lambda n: f"Headline number {n}")
    url = factory.Sequence(lambda n: f"https://news{n}.example/articles/{n}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Reporter {n}")
    slug = factory.Sequence(lambda n: f"reporter-{n}")
    role = "Reporter"
    bio = "Covers the city."


def byline(story, *authors):
    """Name `authors` (made if not given) in `story`'s byline, in order."""
    for position, author in enumerate(authors or [AuthorFactory()]):
        StoryAuthor.objects.create(story=story, author=author, position=position)
    return story


class StoryFactory(factory.django.DjangoModelFactory):
    """A published story with header fields only; see `complete_story` for the rest."""

    class Meta:
        model = Story
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Story headline {n}")
    slug = factory.Sequence(lambda n: f"story-{n}")
    dek = "What happened, and why people disagree about it."
    label = "Local Politics"
    topic = factory.SubFactory(TopicFactory)
    byline = "Factlen Editorial Team"
    why_it_matters = "It decides who pays and who benefits."
    body = ""
    status = Story.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))

    class Params:
        draft = factory.Trait(status=Story.Status.DRAFT, published_at=None)


def complete_story(size=3, **kwargs):
    """A story with `size` of every inline: viewpoints, points, events, citations, tags."""
    citations = " ".join(f"Claim {n} [{n}]." for n in range(1, size + 1))
    story = StoryFactory(
        body=f"Opening paragraph. {citations}\n\n> A line worth quoting.\n\nClosing [1].",
        **kwargs,
    )
    byline(story, AuthorFactory(name="Mara Okafor", slug="mara-okafor"))
    for i in range(size):
        viewpoint = Viewpoint(
            story=story,
            position=i,
            label=f"Position {i}",
            stance=f"Stance of position {i}.",
            holders=f"Holders {i}",
            summary=f"Summary of position {i}.",
            detail=f"Detail of position {i} [{i + 1}].\n\nSecond paragraph {i}.",
        )
        viewpoint.sign_off(by=None, name="desk-editor")
        viewpoint.save()
        KeyPoint.objects.create(story=story, position=i, text=f"Key point {i}.")
        OpenQuestion.objects.create(story=story, position=i, text=f"Open question {i}?")
        TimelineEvent.objects.create(
            story=story, date=datetime.date(2015 + i, 2, 12), precision="month", text=f"Event {i}"
        )
        Citation.objects.create(story=story, source=SourceFactory(), number=i + 1)
    story.tags.add(*[f"tag {i}" for i in range(size)])
    return story


def package_data(**overrides):
    """A complete, valid story package (a fresh dict each call)."""
    data = {
        "format": "factlen.story/1",
        "slug": "harbour-wind-lease",
        "title": "Harbour wind lease splits fishing towns",
        "dek": "A bigger wind farm means cheaper power and fewer fishing grounds.",
        "label": "Offshore Wind",
        "authors": [{"slug": "mara-okafor", "name": "Mara Okafor", "kind": "person"}],
        "topic": {"slug": "energy", "name": "Energy", "description": "Power and the grid."},
        "status": "published",
        "published_at": "2026-11-20T09:00:00Z",
        "tags": ["fishing", "wind power"],
        "why_it_matters": "The lease decides the region's power price for twenty years.",
        "key_points": [
            "The lease doubles capacity.",
            "Two ports lose grounds.",
            "Compensation talks start in spring.",
        ],
        "body": "The regulator approved the lease [1].\n\n> “Last to hear,” said a skipper.\n\n"
        "Fishers object [2][1].",
        "viewpoints": [
            {
                "label": "Build Faster",
                "stance": "Cheap power sooner outweighs the lost grounds.",
                "holders": "Grid Planners",
                "summary": "The grid needs the capacity now.",
                "detail": "Planners say delay costs more than compensation [1].",
                "signed_off_by": "desk-editor",
                "signed_off_at": "2026-11-19T16:00:00Z",
            },
            {
                "label": "Fish First",
                "stance": "The grounds are irreplaceable.",
                "holders": "Fishing Cooperatives",
                "summary": "Two towns depend on those grounds.",
                "detail": "Cooperatives want the turbines moved east [2].",
                "signed_off_by": "desk-editor",
                "signed_off_at": "2026-11-19T16:05:00Z",
            },
        ],
        "timeline": [
            {"date": "2019", "text": "First survey."},
            {"date": "2024-03", "text": "Lease proposed."},
            {"date": "2026-10-14", "text": "Lease approved."},
        ],
        "unknowns": ["Whether compensation covers lost catch."],
        "sources": [
            {
                "n": 1,
                "outlet": "Tidewater Courier",
                "title": "Regulator approves wind lease",
                "url": "https://tidewatercourier.example/energy/wind-lease",
                "author": "J. Rivera",
                "published": "2026-10-15",
            },
            {
                "n": 2,
                "outlet": "Northshore Radio",
                "title": "Skippers protest at the harbour",
                "url": "https://northshore-radio.example/news/skippers",
                "author": "",
                "published": "",
            },
        ],
    }
    data.update(overrides)
    return data


class SubscriberFactory(factory.django.DjangoModelFactory):
    """A reader who confirmed a day ago; `pending=True` has not confirmed, `unsubscribed=True`
    has left. Pass `topics=[...]` to subscribe them."""

    class Meta:
        model = "newsletter.Subscriber"
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    confirmed_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    unsubscribed_at = None

    class Params:
        pending = factory.Trait(confirmed_at=None)
        unsubscribed = factory.Trait(unsubscribed_at=factory.LazyFunction(timezone.now))

    @factory.post_generation
    def topics(self, create, extracted, **kwargs):
        if create and extracted:
            self.topics.add(*extracted)
