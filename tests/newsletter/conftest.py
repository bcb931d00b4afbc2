import re

import pytest
from django.conf import settings
from django.core.cache import cache

from ..factories import SubscriberFactory, TopicFactory


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The rate limits count in the cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def energy(db):
    return TopicFactory(name="Energy", slug="energy")


@pytest.fixture
def alice(topic):
    return SubscriberFactory(email="alice@example.org", topics=[topic])


@pytest.fixture
def bob(topic, energy):
    return SubscriberFactory(email="bob@example.org", topics=[topic, energy])


@pytest.fixture
def carol(energy):
    return SubscriberFactory(email="carol@example.org", topics=[energy])


def link(message, name):
    """The site path of the /newsletter/<name>/… link in an email's text part."""
    match = re.search(rf"{re.escape(settings.SITE_URL)}(/newsletter/{name}/[^/\s]+/)", message.body)
    assert match, f"no {name} link in:\n{message.body}"
    return match.group(1)


def without_csrf_token(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)
