"""No lost edits: two people editing one story, in two real sessions."""

import pytest
from django import forms
from django.test import Client
from pytest_django.asserts import assertInHTML

from stories.models import Story
from stories.roles import EDITOR

from ..factories import complete_story, newsroom_member
from ..html import elements, parse

pytestmark = pytest.mark.django_db


def form_data(response):
    """The POST an unchanged change form would send, built from what it rendered."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        value = form[name].value()
        # A browser sends no file for a file field left alone.
        if value is None or isinstance(field, forms.FileField):
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
def shared_story(topic):
    return complete_story(topic=topic, slug="shared-story", title="Original title")


def session(username):
    """A browser session of an editor (each test has two)."""
    client = Client()
    client.force_login(newsroom_member(username, EDITOR))
    return client


def test_the_second_save_is_refused_naming_who_saved_and_keeping_the_input(shared_story):
    erin, ellis = session("erin"), session("ellis")
    url = f"/admin/stories/story/{shared_story.pk}/change/"
    erins_form = form_data(erin.get(url))
    ellis_form = form_data(ellis.get(url))

    assert erin.post(url, erins_form | {"title": "Erin's title"}).status_code == 302
    response = ellis.post(url, ellis_form | {"title": "Ellis's title", "dek": "Ellis's dek."})

    assert response.status_code == 200
    html = response.content.decode()
    assert "erin saved this story on" in html
    assertInHTML(
        f'<a href="/admin/stories/story/{shared_story.pk}/history/">See what changed</a>', html
    )
    # What Ellis typed is still on the form.
    assert elements(parse(html), "input", name="title", value="Ellis's title")
    assert "Ellis&#x27;s dek." in html
    assert Story.objects.get(pk=shared_story.pk).title == "Erin's title"

    # Saving again, having seen the message, is Ellis's deliberate choice.
    again = form_data(response) | {"title": "Ellis's title"}
    assert ellis.post(url, again).status_code == 302
    assert Story.objects.get(pk=shared_story.pk).title == "Ellis's title"


def test_an_inline_change_conflicts_too(shared_story):
    erin, ellis = session("erin"), session("ellis")
    url = f"/admin/stories/story/{shared_story.pk}/change/"
    erins_form = form_data(erin.get(url))
    ellis_form = form_data(ellis.get(url))
    assert erin.post(url, erins_form | {"key_points-0-text": "Erin's point."}).status_code == 302
    response = ellis.post(url, ellis_form | {"viewpoints-1-summary": "Ellis's summary."})
    assert response.status_code == 200
    assert "erin saved this story on" in response.content.decode()
    assert shared_story.viewpoints.get(position=1).summary != "Ellis's summary."
    assert shared_story.key_points.get(position=0).text == "Erin's point."


def test_saves_one_after_another_never_conflict(shared_story):
    erin = session("erin")
    url = f"/admin/stories/story/{shared_story.pk}/change/"
    for n in range(3):
        assert erin.post(url, form_data(erin.get(url)) | {"title": f"Title {n}"}).status_code == 302
    shared_story.refresh_from_db()
    assert (shared_story.title, shared_story.version) == ("Title 2", 4)
