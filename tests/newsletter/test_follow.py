"""Following an open question by email: the newsletter's double opt-in, then one
email when a live story answers it."""

import datetime
import io
import time

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from newsletter import services, tasks
from newsletter.models import MAX_FOLLOWS_PER_READER, QuestionFollow, SentAnswer, Subscriber
from newsletter.views import SUBSCRIBE_LIMIT
from stories.models import OpenQuestion

from ..factories import SubscriberFactory, complete_story
from ..html import attribute, elements, parse, text
from .conftest import link

pytestmark = pytest.mark.django_db


@pytest.fixture
def question(published_story):
    return published_story.open_questions.get(position=1)


@pytest.fixture
def later_story(topic):
    return complete_story(topic=topic, slug="later", title="The answer arrives")


def follow(client, question_id, email="dora@example.org", **extra):
    return client.post("/newsletter/follow/", {"email": email, "question": question_id, **extra})


def send_answers():
    out = io.StringIO()
    call_command("send_answers", stdout=out)
    return out.getvalue()


def to(mailoutbox, email):
    return [message for message in mailoutbox if message.to == [email]]


class FailsOnce(EmailBackend):
    """A mail server that hangs up on the first message it is given."""

    failed = False

    def send_messages(self, messages):
        if not FailsOnce.failed:
            FailsOnce.failed = True
            raise ConnectionResetError("mail server hung up")
        return super().send_messages(messages)


# The box on the story page


def test_each_open_question_of_a_live_story_offers_a_follow_box(client, published_story):
    published_story.open_questions.filter(position=2).update(status="irrelevant")
    page = parse(client.get(published_story.get_absolute_url()).content.decode())
    boxes = elements(page, "details", class_="follow-question")
    assert [text(elements(box, "summary")[0]) for box in boxes] == ["Follow this question"] * 2
    forms = [elements(box, "form")[0] for box in boxes]
    assert {attribute(form, "action") for form in forms} == {"/newsletter/follow/"}
    hidden = [
        attribute(i, "value")
        for f in forms
        for i in elements(f, "input")
        if attribute(i, "name") == "question"
    ]
    assert hidden == [str(q.pk) for q in published_story.open_questions.filter(status="open")]
    labels = [attribute(label, "for") for box in boxes for label in elements(box, "label")]
    assert len(labels) == len(set(labels)), "each box's fields have ids of their own"


def test_an_answered_question_offers_no_follow_box(client, question, later_story):
    question.answer(story=later_story)
    page = client.get(question.story.get_absolute_url()).content.decode()
    assert f'name="question" value="{question.pk}"' not in page


# The form


def test_following_from_a_new_address_sends_the_newsletter_s_confirmation(
    client, question, mailoutbox
):
    response = follow(client, question.pk, email="Dora@Example.org ")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert question.text in response.content.decode()
    subscriber = Subscriber.objects.get(email="dora@example.org")
    assert not subscriber.is_confirmed
    assert list(subscriber.topics.all()) == [], "following subscribes to no digest"
    assert QuestionFollow.objects.filter(subscriber=subscriber, question=question).exists()
    (message,) = mailoutbox
    assert message.subject == "Confirm your address to follow a question on Factlen"
    assert question.text in message.body
    assert question.text in message.alternatives[0].content
    confirm_url = link(message, "confirm")
    assert confirm_url


def test_a_follower_s_confirmation_speaks_of_the_question_not_a_digest(
    client, question, mailoutbox
):
    follow(client, question.pk, email="dora@example.org")
    (email,) = mailoutbox
    html = email.alternatives[0][0]
    for words in (email.body, html):
        assert "Confirm your address" in words and "Your questions and topics" in words
        assert "Factlen newsletter" not in words and "Change your topics" not in words
    assert "Confirm my address" in html and "subscription" not in html
    confirm_url = link(email, "confirm")
    before = client.get(confirm_url).content.decode()
    assert "when we answer the question you follow" in before
    assert "digest" not in before and "subscription" not in before
    after = client.post(confirm_url).content.decode()
    assert "Your address is confirmed" in after
    assert "You are subscribed" not in after
    assert question.text in after


def test_a_confirmed_reader_follows_without_another_email(client, question, mailoutbox):
    SubscriberFactory(email="dora@example.org")
    follow(client, question.pk)
    assert mailoutbox == []
    assert QuestionFollow.objects.filter(question=question).count() == 1


def test_following_twice_makes_one_follow(client, question, mailoutbox):
    follow(client, question.pk)
    follow(client, question.pk)
    assert QuestionFollow.objects.filter(question=question).count() == 1


@pytest.mark.parametrize(
    "email, error",
    [
        ("", "Enter your email address."),
        ("not-an-address", "Enter an email address such as name@example.com."),
        ("a" * 250 + "@example.org", "An email address has at most 254 characters."),
    ],
)
def test_a_bad_address_is_refused_with_the_reason(client, question, email, error, mailoutbox):
    response = follow(client, question.pk, email=email)
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    assert question.text in page, "the form is shown again for the same question"
    assert not QuestionFollow.objects.exists()
    assert mailoutbox == []


@pytest.mark.parametrize("question_id", ["", "abc", "0", "-3", "99999999", "9" * 40])
def test_an_unknown_question_is_refused(client, published_story, question_id, mailoutbox):
    response = follow(client, question_id)
    assert response.status_code == 400
    page = response.content.decode()
    assert "That question does not exist." in page or "Choose a question to follow." in page
    assert not QuestionFollow.objects.exists()


def test_a_question_of_a_draft_cannot_be_followed(client, draft_story):
    question = OpenQuestion.objects.create(story=draft_story, text="Unseen?")
    assert follow(client, question.pk).status_code == 400
    assert not QuestionFollow.objects.exists()


def test_a_question_no_longer_open_cannot_be_followed(client, question, later_story):
    question.answer(story=later_story)
    response = follow(client, question.pk)
    assert response.status_code == 400
    assert "That question is no longer open" in response.content.decode()


def test_a_bot_filling_the_hidden_field_is_answered_as_a_person_and_ignored(
    client, question, mailoutbox
):
    response = follow(client, question.pk, website="http://spam.example")
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    assert not QuestionFollow.objects.exists()
    assert mailoutbox == []


def test_follows_share_the_sign_up_s_limit_per_connection(client, question, mailoutbox):
    for n in range(SUBSCRIBE_LIMIT):
        assert follow(client, question.pk, email=f"r{n}@example.org").status_code == 200
    response = follow(client, question.pk, email="one-more@example.org")
    assert response.status_code == 429
    assert not Subscriber.objects.filter(email="one-more@example.org").exists()


def test_a_get_is_not_a_follow(client, question):
    assert client.get(f"/newsletter/follow/?question={question.pk}").status_code == 405


def test_a_reader_follows_at_most_so_many_questions(question, topic):
    reader = SubscriberFactory(email="dora@example.org")
    others = complete_story(size=MAX_FOLLOWS_PER_READER, topic=topic, slug="many")
    for other in others.open_questions.all():
        services.follow(email=reader.email, question=other)
    services.follow(email=reader.email, question=question)
    assert reader.follows.count() == MAX_FOLLOWS_PER_READER
    assert not reader.follows.filter(question=question).exists()


def test_the_database_keeps_one_follow_per_reader_and_question(question):
    reader = SubscriberFactory()
    QuestionFollow.objects.create(subscriber=reader, question=question)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuestionFollow.objects.create(subscriber=reader, question=question)


# The answer email


def test_answering_the_question_emails_each_confirmed_follower_once(
    question, later_story, mailoutbox, settings, django_capture_on_commit_callbacks
):
    dora = SubscriberFactory(email="dora@example.org")
    QuestionFollow.objects.create(subscriber=dora, question=question)
    waiting = SubscriberFactory(email="waiting@example.org", pending=True)
    QuestionFollow.objects.create(subscriber=waiting, question=question)
    gone = SubscriberFactory(email="gone@example.org", unsubscribed=True)
    QuestionFollow.objects.create(subscriber=gone, question=question)

    with django_capture_on_commit_callbacks(execute=True):  # queued when the answer commits
        question.answer(story=later_story, paragraph=2)
    assert [m.to for m in mailoutbox] == [["dora@example.org"]]

    (message,) = mailoutbox
    assert message.subject == f"Answered: {question.text}"
    answer_url = f"{settings.SITE_URL}{later_story.get_absolute_url()}"
    for part in (message.body, message.alternatives[0].content):
        assert question.text in part
        assert "The answer arrives" in part
        assert answer_url in part
        assert "paragraph 2" in part
    assert message.extra_headers["List-Unsubscribe"].startswith(
        f"<{settings.SITE_URL}/newsletter/unsubscribe/"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link(message, "unsubscribe")

    assert "Queued 0 answer emails." in send_answers()
    assert len(mailoutbox) == 1
    assert SentAnswer.objects.filter(question=question).count() == 1


def test_a_follow_takes_effect_when_the_reader_confirms(client, question, later_story, mailoutbox):
    follow(client, question.pk)
    question.answer(story=later_story)
    send_answers()
    (confirmation,) = mailoutbox
    assert confirmation.subject.startswith("Confirm")

    client.post(link(confirmation, "confirm"))
    send_answers()
    assert [m.subject for m in to(mailoutbox, "dora@example.org")][1:] == [
        f"Answered: {question.text}"
    ]


def test_confirming_a_follow_names_the_question_not_a_digest(client, question, mailoutbox):
    follow(client, question.pk)
    confirmed = client.post(link(mailoutbox[0], "confirm")).content.decode()
    assert "We will email dora@example.org once when we answer the question you follow" in (
        confirmed
    )
    assert question.text in confirmed
    assert "once a day" not in confirmed, "a follow is not a digest subscription"


def test_a_failed_send_records_nothing_and_the_next_run_sends_once(
    question, later_story, mailoutbox, settings
):
    settings.EMAIL_BACKEND = f"{__name__}.FailsOnce"
    FailsOnce.failed = False
    dora = SubscriberFactory(email="dora@example.org")
    QuestionFollow.objects.create(subscriber=dora, question=question)
    question.answer(story=later_story)
    with pytest.raises(ConnectionResetError):
        services.send_answer(subscriber_id=dora.pk, question_id=question.pk)
    assert not SentAnswer.objects.exists()
    assert mailoutbox == []

    assert "Queued 1 answer email." in send_answers()
    send_answers()
    assert services.send_answer(subscriber_id=dora.pk, question_id=question.pk) is False
    assert len(mailoutbox) == 1


def test_the_database_keeps_one_answer_email_per_reader_and_question(question):
    reader = SubscriberFactory()
    SentAnswer.objects.create(subscriber=reader, question=question)
    with pytest.raises(IntegrityError), transaction.atomic():
        SentAnswer.objects.create(subscriber=reader, question=question)


def test_no_email_while_the_answering_story_is_a_draft(question, topic, mailoutbox):
    draft = complete_story(topic=topic, slug="draft-answer", status="draft", published_at=None)
    QuestionFollow.objects.create(subscriber=SubscriberFactory(), question=question)
    question.answer(story=draft)
    send_answers()
    assert mailoutbox == []


def test_the_send_answers_task_queues_what_is_due(question, later_story, mailoutbox):
    QuestionFollow.objects.create(subscriber=SubscriberFactory(), question=question)
    OpenQuestion.objects.filter(pk=question.pk).update(
        status="answered", answered_in=later_story, answered_on=timezone.localdate()
    )
    result = tasks.send_answers.enqueue()
    assert result.return_value == 1
    assert len(mailoutbox) == 1


# An answer scheduled for later


def test_a_scheduled_answer_shows_and_is_emailed_once_its_story_is_live(
    client, question, topic, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE = True
    dora = SubscriberFactory(email="dora@example.org")
    QuestionFollow.objects.create(subscriber=dora, question=question)
    soon = timezone.now() + datetime.timedelta(seconds=1.5)
    scheduled = complete_story(
        topic=topic, slug="scheduled-answer", title="Scheduled answer", published_at=soon
    )
    with django_capture_on_commit_callbacks(execute=True):
        question.answer(story=scheduled)
    story_url, topic_url = question.story.get_absolute_url(), topic.get_absolute_url()

    for url in (story_url, topic_url):
        client.get(url)
        kept = client.get(url)
        assert kept["X-Page-Cache"] == "hit"
        assert "Scheduled answer" not in kept.content.decode()
    assert "Queued 0 answer emails." in send_answers()
    assert mailoutbox == []
    # Until its answer is out, the question is still open to readers.
    assert f'name="question" value="{question.pk}"' in client.get(story_url).content.decode()

    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.2)

    for url in (story_url, topic_url):
        page = client.get(url).content.decode()
        assert "Scheduled answer" in page, url
        assert "Answered <time" in page, url
    assert "Queued 1 answer email." in send_answers()
    assert [m.to for m in mailoutbox] == [["dora@example.org"]]
    send_answers()
    assert len(mailoutbox) == 1


def test_a_scheduled_answer_is_dated_the_day_its_story_goes_live(question, topic):
    later = timezone.now() + datetime.timedelta(days=3)
    scheduled = complete_story(topic=topic, slug="in-three-days", published_at=later)
    question.answer(story=scheduled)
    assert question.answered_on == timezone.localdate(later)


def test_the_kept_article_shows_a_scheduled_answer_once_it_is_live(question, topic, settings):
    """Without the page cache: the article kept per story turns over at the answer's time."""
    settings.PAGE_CACHE = False
    soon = timezone.now() + datetime.timedelta(seconds=1)
    scheduled = complete_story(topic=topic, slug="soon", title="Answer soon", published_at=soon)
    question.answer(story=scheduled)
    client = Client()

    def answers():
        page = parse(client.get(question.story.get_absolute_url()).content.decode())
        return [text(p) for p in elements(page, "p", class_="question-answer")]

    assert answers() == []
    time.sleep(max(0.0, (soon - timezone.now()).total_seconds()) + 0.2)
    assert [answer.split(" in ")[-1] for answer in answers()] == ["Answer soon"]


# The admin


def test_the_admin_lists_follows_with_whether_the_answer_went(editor_client, question, later_story):
    dora = SubscriberFactory(email="dora@example.org")
    QuestionFollow.objects.create(subscriber=dora, question=question)
    question.answer(story=later_story)
    services.send_answer(subscriber_id=dora.pk, question_id=question.pk)
    response = editor_client.get("/admin/newsletter/questionfollow/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "dora@example.org" in page
    assert question.text in page
    assert "icon-yes.svg" in page
    detail = editor_client.get(f"/admin/newsletter/subscriber/{dora.pk}/change/")
    assert question.text in detail.content.decode()
    assert editor_client.get("/admin/newsletter/questionfollow/add/").status_code == 403


def test_a_story_package_carries_no_follows(question):
    from stories.packages import export_package

    QuestionFollow.objects.create(
        subscriber=SubscriberFactory(email="dora@example.org"), question=question
    )
    assert "dora@example.org" not in str(export_package(question.story))
