import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.http import HttpRequest

from sources.models import Outlet, Source
from stories.models import Correction, OpenQuestion, Story, Topic

pytestmark = pytest.mark.django_db


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_demo_content_fills_three_topics_and_eight_published_stories():
    seed()
    assert len(Topic.objects.live()) >= 3
    assert Story.objects.published().count() >= 8


def test_demo_content_exercises_every_section_of_a_story_page():
    seed()
    stories = Story.objects.published()
    assert all(s.viewpoints.count() >= 2 for s in stories)
    assert all(s.key_points.exists() for s in stories)
    assert all(s.citations.exists() for s in stories)
    assert any(s.timeline_events.exists() for s in stories)
    assert any(s.open_questions.exists() for s in stories)
    assert any("\n> " in f"\n{s.body}" for s in stories)
    assert {e.precision for s in stories for e in s.timeline_events.all()} >= {"month", "year"}
    # Sources are shared between stories, as in real coverage.
    assert Source.objects.with_story_count().filter(story_count__gte=2).exists()
    # Every source is matched to a described outlet of a real kind.
    assert not Outlet.objects.filter(sources__isnull=False, kind=Outlet.Kind.OTHER).exists()
    assert not Outlet.objects.filter(description="").exists()
    assert Outlet.objects.values("kind").distinct().count() >= 6


def test_demo_content_shows_an_answered_question_and_a_correction(client):
    seed()
    question = OpenQuestion.objects.get(status="answered")
    assert question.shows_answer
    assert question.answered_in.slug == "time-of-use-electricity-tariff-rollout"
    page = client.get(question.story.get_absolute_url()).content.decode()
    assert "Answered <time" in page and question.answered_in.title in page
    topic_page = client.get(question.story.topic.get_absolute_url()).content.decode()
    assert "Recently answered" in topic_page
    (note,) = Correction.objects.public()
    assert note.kind == Correction.Kind.CORRECTION
    assert "It closed on 17 October." in client.get("/corrections/").content.decode()


def test_every_demo_story_page_renders(client):
    seed()
    for story in Story.objects.published():
        response = client.get(story.get_absolute_url())
        assert response.status_code == 200, story.slug
        assert "cite-missing" not in response.content.decode(), story.slug


def test_seeding_twice_changes_nothing(media_root):
    seed()
    counts = (Story.objects.count(), Source.objects.count(), Topic.objects.count())
    files = sorted(p for p in media_root.rglob("*") if p.is_file())
    seed()
    assert (Story.objects.count(), Source.objects.count(), Topic.objects.count()) == counts
    # The demo pictures are not stored again.
    assert sorted(p for p in media_root.rglob("*") if p.is_file()) == files


def test_some_demo_stories_have_lead_images_with_their_words(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    illustrated = Story.objects.published().exclude(image="")
    assert illustrated.count() >= 3
    for story in illustrated:
        assert story.image_alt and story.image_caption and story.image_credit
        assert story.image_renditions["of"] == story.image.name
        html = client.get(story.get_absolute_url()).text
        assert '<figure class="lead-image">' in html
        assert "image/webp" in html


def test_two_demo_authors_have_photos_shown_on_their_pages(
    client, django_capture_on_commit_callbacks
):
    from stories.models import Author

    with django_capture_on_commit_callbacks(execute=True):
        seed()
    pictured = Author.objects.exclude(photo="").order_by("slug")
    assert [a.slug for a in pictured] == ["daniel-achterberg", "mara-okafor"]
    for author in pictured:
        assert author.photo_renditions["of"] == author.photo.name
        html = client.get(author.get_absolute_url()).text
        assert f'alt="{author.name}"' in html
        assert "image/webp" in html


def test_admin_option_creates_a_superuser_with_a_stable_password(settings, tmp_path, client):
    settings.DATA_DIR = tmp_path
    first = seed("--admin")
    password = (tmp_path / "demo-admin-password").read_text().strip()
    assert f"password {password!r}" in first
    assert f"password {password!r}" in seed("--admin")
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    # Log-in throttling counts per request, so authentication wants one.
    assert client.login(request=HttpRequest(), username="admin", password=password)
