"""Fixtures shared by the suite; each name means one thing everywhere.

The newsroom's people are members of its real groups (stories.roles), never
superusers, so tests exercise the permissions the newsroom relies on.
"""

import pytest

from stories.models import Story
from stories.roles import EDITOR, WRITER

from .factories import StoryFactory, TopicFactory, complete_story, newsroom_member


@pytest.fixture
def editor(db):
    """Erin, in the Editor group."""
    return newsroom_member("erin", EDITOR)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def writer(db):
    """Wendy, in the Writer group."""
    return newsroom_member("wendy", WRITER)


@pytest.fixture
def other_writer(db):
    """Walt, also in the Writer group: not the writer of the stories at hand."""
    return newsroom_member("walt", WRITER)


@pytest.fixture
def topic(db):
    return TopicFactory(name="AI", slug="ai", description="Artificial intelligence.")


@pytest.fixture
def published_story(topic) -> Story:
    return complete_story(topic=topic, slug="open-weights", title="Open weights debate")


@pytest.fixture
def draft_story(topic) -> Story:
    return StoryFactory(topic=topic, draft=True, slug="unfinished", title="Unfinished draft")
