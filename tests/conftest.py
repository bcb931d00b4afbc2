import pytest

from stories.models import Story

from .factories import StoryFactory, TopicFactory, UserFactory, complete_story


@pytest.fixture
def editor(db):
    """Alice, an editor with every permission (roles come with the workflow)."""
    return UserFactory(username="alice", is_staff=True, is_superuser=True)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def topic(db):
    return TopicFactory(name="AI", slug="ai", description="Artificial intelligence.")


@pytest.fixture
def published_story(topic) -> Story:
    return complete_story(topic=topic, slug="open-weights", title="Open weights debate")


@pytest.fixture
def draft_story(topic) -> Story:
    return StoryFactory(topic=topic, draft=True, slug="unfinished", title="Unfinished draft")
