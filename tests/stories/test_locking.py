"""No lost edits: two people editing one story, in two real sessions."""

import pytest
from django.test import Client

from stories.models import Story

from ..factories import UserFactory, complete_story

pytestmark = pytest.mark.django_db


def form_data(response):
    """The POST an unchanged change form would send, built from what it rendered."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if name == "tags":
            value = ", ".join(t.name for t in value) if not isinstance(value, str) else value
        data[name] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.forms))
        data[f"{formset.prefix}-INITIAL_FORMS"] = str(formset.initial_form_count())
        for f in formset.forms:
            for name in f.fields:
                value = f[name].value()
                if value is not None:
                    data[f"{f.prefix}-{name}"] = value
    return data


@pytest.fixture
def story(topic):
    return complete_story(topic=topic, slug="shared-story", title="Original title")


def session(username):
    client = Client()
    client.force_login(UserFactory(username=username, is_staff=True, is_superuser=True))
    return client


def test_the_second_save_is_refused_naming_who_saved_and_keeping_the_input(story):
    alice, bob = session("alice"), session("bob")
    url = f"/admin/stories/story/{story.pk}/change/"
    alices_form = form_data(alice.get(url))
    bobs_form = form_data(bob.get(url))

    assert alice.post(url, alices_form | {"title": "Alice's title"}).status_code == 302
    response = bob.post(url, bobs_form | {"title": "Bob's title", "dek": "Bob's dek."})

    assert response.status_code == 200
    html = response.content.decode()
    assert "alice saved this story on" in html
    assert f'href="/admin/stories/story/{story.pk}/history/">See what changed</a>' in html
    assert 'value="Bob&#x27;s title"' in html  # what Bob typed is still on the form
    assert "Bob&#x27;s dek." in html
    assert Story.objects.get(pk=story.pk).title == "Alice's title"

    # Saving again, having seen the message, is Bob's deliberate choice.
    again = form_data(response) | {"title": "Bob's title"}
    assert bob.post(url, again).status_code == 302
    assert Story.objects.get(pk=story.pk).title == "Bob's title"


def test_an_inline_change_conflicts_too(story):
    alice, bob = session("alice"), session("bob")
    url = f"/admin/stories/story/{story.pk}/change/"
    alices_form = form_data(alice.get(url))
    bobs_form = form_data(bob.get(url))
    assert alice.post(url, alices_form | {"key_points-0-text": "Alice's point."}).status_code == 302
    response = bob.post(url, bobs_form | {"viewpoints-1-summary": "Bob's summary."})
    assert response.status_code == 200
    assert "alice saved this story on" in response.content.decode()
    assert story.viewpoints.get(position=1).summary != "Bob's summary."
    assert story.key_points.get(position=0).text == "Alice's point."


def test_saves_one_after_another_never_conflict(story):
    alice = session("alice")
    url = f"/admin/stories/story/{story.pk}/change/"
    for n in range(3):
        assert (
            alice.post(url, form_data(alice.get(url)) | {"title": f"Title {n}"}).status_code == 302
        )
    story.refresh_from_db()
    assert (story.title, story.version) == ("Title 2", 4)
