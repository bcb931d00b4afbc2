"""Open questions ("What we don't know") answered by later stories."""

import copy
import datetime

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from stories.models import OpenQuestion, Story
from stories.packages import PackageInvalid, export_package, import_package

from ..factories import TopicFactory, complete_story, package_data
from ..html import attribute, elements, parse, text
from .test_admin import errors_of
from .test_locking import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def later_story(topic):
    return complete_story(topic=topic, slug="later", title="The answer arrives")


def answer_form(editor, story, **changes):
    client = Client()
    client.force_login(editor)
    url = f"/admin/stories/story/{story.pk}/change/"
    response = client.get(url)
    return client.post(url, form_data(response) | changes), response


def answers_of(page):
    return [text(p) for p in elements(parse(page), "p", class_="question-answer")]


def test_a_new_question_is_open(published_story):
    assert {q.status for q in published_story.open_questions.all()} == {"open"}


def test_an_editor_answers_a_question_from_the_later_storys_page(
    client, editor, published_story, later_story
):
    question = published_story.open_questions.get(position=1)
    assert answers_of(client.get(published_story.get_absolute_url()).content.decode()) == []
    response, _ = answer_form(editor, later_story, answers=[question.pk], answer_paragraph="2")
    assert response.status_code == 302, errors_of(response)
    question.refresh_from_db()
    assert question.status == OpenQuestion.Status.ANSWERED
    assert question.answered_in == later_story
    assert question.answered_on == timezone.localdate()
    assert question.answered_paragraph == 2
    page = client.get(published_story.get_absolute_url()).content.decode()
    day = timezone.localdate().strftime("%-d %b %Y")
    assert answers_of(page) == [f"Answered {day} in The answer arrives (paragraph 2)"]
    links = elements(parse(page), "p", class_="question-answer")[0]
    assert [attribute(a, "href") for a in elements(links, "a")] == [later_story.get_absolute_url()]


def test_the_story_offers_only_the_open_questions_of_other_stories_in_its_topic(
    editor, published_story, later_story
):
    elsewhere = complete_story(topic=TopicFactory(), slug="elsewhere")
    answered = published_story.open_questions.get(position=2)
    answered.status = OpenQuestion.Status.NO_LONGER_RELEVANT
    answered.save()
    offered = set(OpenQuestion.objects.answerable_by(later_story))
    assert offered == set(published_story.open_questions.filter(status="open"))
    assert not offered & set(elsewhere.open_questions.all())
    assert not offered & set(later_story.open_questions.all())


def test_unticking_an_answer_reopens_the_question(editor, published_story, later_story):
    question = published_story.open_questions.first()
    question.answer(story=later_story)
    response, _ = answer_form(editor, later_story, answers=[])
    assert response.status_code == 302, errors_of(response)
    question.refresh_from_db()
    assert question.status == "open" and question.answered_in is None
    assert question.answered_on is None


def test_an_answer_in_a_story_readers_cannot_see_yet_is_not_shown(client, published_story):
    draft = complete_story(
        topic=published_story.topic, slug="draft", status=Story.Status.DRAFT, published_at=None
    )
    published_story.open_questions.first().answer(story=draft)
    page = client.get(published_story.get_absolute_url()).content.decode()
    assert answers_of(page) == []


def test_a_question_no_longer_relevant_says_so(client, published_story):
    question = published_story.open_questions.first()
    question.status = OpenQuestion.Status.NO_LONGER_RELEVANT
    question.save()
    page = client.get(published_story.get_absolute_url()).content.decode()
    assert answers_of(page) == ["No longer relevant"]


def test_an_answered_question_needs_its_date(published_story):
    question = published_story.open_questions.first()
    question.status = OpenQuestion.Status.ANSWERED
    with pytest.raises(IntegrityError), transaction.atomic():
        question.save()
    question.answer(story=published_story, on=datetime.date(2026, 11, 1))
    assert OpenQuestion.objects.get(pk=question.pk).answered_on == datetime.date(2026, 11, 1)


def test_a_writers_save_neither_answers_nor_reopens_questions(writer, published_story, later_story):
    later_story.status, later_story.published_at = Story.Status.DRAFT, None
    later_story.owner = writer
    later_story.save()
    answered, other = published_story.open_questions.all()[:2]
    answered.answer(story=later_story)
    response, page = answer_form(writer, later_story, answers=[other.pk])
    assert response.status_code == 302, errors_of(response)
    assert not elements(parse(page.content.decode()), "input", name="answers")
    assert set(later_story.answers.all()) == {answered}


def test_a_package_carries_each_questions_status_and_answer_and_round_trips(later_story):
    data = package_data()
    data["unknowns"] = ["Who pays?", "When does it start?", "Is it legal?"]
    data["unknown_answers"] = [
        {
            "question": 0,
            "status": "answered",
            "answered_on": "2026-11-25",
            "answered_in": "later",
            "answered_paragraph": 3,
        },
        {"question": 2, "status": "irrelevant"},
    ]
    story = import_package(copy.deepcopy(data)).story
    first, second, third = story.open_questions.all()
    assert (first.status, first.answered_in, first.answered_paragraph) == (
        "answered",
        later_story,
        3,
    )
    assert first.answered_on == datetime.date(2026, 11, 25)
    assert (second.status, third.status) == ("open", "irrelevant")
    exported = export_package(story)
    assert exported["unknown_answers"] == data["unknown_answers"]
    assert export_package(import_package(copy.deepcopy(exported)).story) == exported


def test_a_package_answering_a_question_it_does_not_have_is_refused():
    data = package_data()
    data["unknown_answers"] = [{"question": 5, "status": "irrelevant"}]
    with pytest.raises(PackageInvalid) as error:
        import_package(data)
    assert error.value.problems == ["unknown_answers[0].question: there is no unknown 5"]
    assert not Story.objects.exists()


def test_an_answer_without_its_date_is_refused():
    data = package_data()
    data["unknown_answers"] = [{"question": 0, "status": "answered"}]
    with pytest.raises(PackageInvalid) as error:
        import_package(data)
    assert any("unknown_answers[0]" in p and "answered_on" in p for p in error.value.problems)


def test_the_topic_page_lists_open_questions_oldest_first_and_recent_answers(
    client, published_story, later_story
):
    published_story.published_at -= datetime.timedelta(days=3)
    published_story.save()
    published_story.open_questions.first().answer(story=later_story)
    page = parse(client.get(published_story.topic.get_absolute_url()).content.decode())
    still_open = [text(li) for li in elements(page, "ul", class_="open-questions")[0].children]
    assert [line.split("?")[0] for line in still_open] == [
        "Open question 1",
        "Open question 2",
        "Open question 0",
        "Open question 1",
        "Open question 2",
    ]
    answered = text(elements(page, "ul", class_="answered-questions")[0])
    assert answered.startswith("Open question 0? Answered ")
    assert answered.endswith("in The answer arrives")


def test_the_earlier_story_shows_the_answering_storys_new_title(
    client, published_story, later_story
):
    published_story.open_questions.first().answer(story=later_story)
    client.get(published_story.get_absolute_url())  # rendered and kept
    later_story.title = "The answer, retitled"
    later_story.save()
    page = client.get(published_story.get_absolute_url()).content.decode()
    assert answers_of(page)[0].endswith("in The answer, retitled")
