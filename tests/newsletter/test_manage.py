import pytest
from django.test import Client
from pytest_django.asserts import assertInHTML

from newsletter import tokens
from newsletter.models import QuestionFollow, Subscriber

from ..factories import StoryFactory, SubscriberFactory
from ..html import attribute, elements, parse, text

pytestmark = pytest.mark.django_db


def manage_url(subscriber):
    return f"/newsletter/manage/{tokens.manage_token(subscriber)}/"


def unsubscribe_url(subscriber):
    return f"/newsletter/unsubscribe/{tokens.manage_token(subscriber)}/"


@pytest.fixture
def live_topics(topic, energy):
    StoryFactory(topic=topic)
    StoryFactory(topic=energy)


def test_the_manage_page_shows_the_reader_s_topics_ticked(client, alice, live_topics):
    html = client.get(manage_url(alice)).content.decode()
    page = parse(html)
    offered = elements(page, "input", type="checkbox", name="topics")
    ticked = elements(page, "input", type="checkbox", name="topics", checked=True)
    assert [attribute(b, "value") for b in offered] == ["ai", "energy"]
    assert [attribute(b, "value") for b in ticked] == ["ai"]
    assertInHTML("<legend>Send me new stories in</legend>", html, count=1)


def test_the_manage_page_changes_the_reader_s_topics(client, alice, energy, live_topics):
    response = client.post(manage_url(alice), {"topics": ["energy"]})
    assert response.status_code == 200
    assert "Your topics are saved." in response.content.decode()
    assert list(alice.topics.all()) == [energy]

    client.post(manage_url(alice), {})
    assert list(alice.topics.all()) == []


def test_the_manage_page_lists_a_subscribed_topic_even_without_live_stories(client, topic):
    reader = SubscriberFactory(topics=[topic])
    html = client.get(manage_url(reader)).content.decode()
    assert elements(parse(html), "input", name="topics", value="ai", checked=True)


def test_one_click_unsubscribe_works_without_a_csrf_token(alice):
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(unsubscribe_url(alice), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    alice.refresh_from_db()
    assert alice.unsubscribed_at is not None
    assert not Subscriber.objects.confirmed().exists()


def test_opening_the_unsubscribe_link_asks_before_unsubscribing(client, alice):
    response = client.get(unsubscribe_url(alice))
    assert response.status_code == 200
    page = parse(response.content.decode())
    assert elements(page, "form", method="post", action=unsubscribe_url(alice))
    alice.refresh_from_db()
    assert alice.is_confirmed


def test_unsubscribing_twice_keeps_the_first_time(client, alice):
    client.post(unsubscribe_url(alice))
    alice.refresh_from_db()
    first = alice.unsubscribed_at
    client.post(unsubscribe_url(alice))
    alice.refresh_from_db()
    assert alice.unsubscribed_at == first


def test_an_unconfirmed_reader_confirms_from_the_manage_page_without_an_again(client, topic):
    reader = SubscriberFactory(pending=True, topics=[topic])
    page = client.get(manage_url(reader)).content.decode()
    assert "Confirm this address</button>" in page and "Subscribe again" not in page
    response = client.post(manage_url(reader), {"resubscribe": "1"})
    assert "Your address is confirmed." in response.content.decode()
    reader.refresh_from_db()
    assert reader.is_confirmed


def test_an_unsubscribed_reader_can_subscribe_again_from_the_manage_page(client, topic):
    reader = SubscriberFactory(unsubscribed=True, topics=[topic])
    page = client.get(manage_url(reader)).content.decode()
    assert "You are unsubscribed" in page
    response = client.post(manage_url(reader), {"resubscribe": "1"})
    assert "You are subscribed again." in response.content.decode()
    reader.refresh_from_db()
    assert reader.is_confirmed


def test_changing_topics_needs_the_csrf_token(alice, energy):
    response = Client(enforce_csrf_checks=True).post(manage_url(alice), {"topics": ["energy"]})
    assert response.status_code == 403


def test_an_altered_manage_or_unsubscribe_link_is_refused(client, alice):
    for url in (manage_url(alice), unsubscribe_url(alice)):
        altered = url[:-3] + "xyz/"
        assert client.get(altered).status_code == 400
        assert client.post(altered).status_code == 400
    alice.refresh_from_db()
    assert alice.is_confirmed


def test_a_confirmation_link_cannot_unsubscribe(client, alice):
    response = client.post(f"/newsletter/unsubscribe/{tokens.confirm_token(alice)}/")
    assert response.status_code == 400


def test_manage_links_do_not_expire(client, alice, settings):
    settings.NEWSLETTER_CONFIRM_MAX_AGE = -1
    assert client.get(manage_url(alice)).status_code == 200
    assert manage_url(alice) == manage_url(alice), "the same link in every email"


@pytest.fixture
def followed(published_story, alice):
    question = published_story.open_questions.get(position=1)
    QuestionFollow.objects.create(subscriber=alice, question=question)
    return question


def test_the_manage_page_lists_the_questions_the_reader_follows(client, alice, followed):
    html = client.get(manage_url(alice)).content.decode()
    page = parse(html)
    (link,) = [a for a in elements(page, "a") if text(a) == followed.text]
    assert attribute(link, "href") == f"{followed.story.get_absolute_url()}#unknowns-heading"
    assert elements(page, "button", name="unfollow", value=str(followed.pk))


def test_a_reader_stops_following_a_question_from_the_manage_page(client, alice, followed):
    response = client.post(manage_url(alice), {"unfollow": str(followed.pk)})
    assert response.status_code == 200
    assert f"You no longer follow “{followed.text}”<" in response.content.decode()
    assert not alice.follows.exists()
    assert not elements(parse(response.content.decode()), "button", name="unfollow")


@pytest.mark.parametrize("value", ["other", "abc", "", "9" * 40])
def test_stopping_a_follow_that_is_not_the_reader_s_changes_nothing(
    client, alice, followed, value, published_story
):
    other = published_story.open_questions.get(position=2)
    QuestionFollow.objects.create(subscriber=SubscriberFactory(), question=other)
    response = client.post(
        manage_url(alice), {"unfollow": str(other.pk) if value == "other" else value}
    )
    assert response.status_code == 400
    assert "Not a question you follow" in response.content.decode()
    assert QuestionFollow.objects.count() == 2


def test_the_newsletter_s_address_leads_to_its_sign_up_page_and_every_footer_links_it(client):
    response = client.get("/newsletter/")
    assert response.status_code == 302
    assert response["Location"] == "/newsletter/subscribe/"
    footer = client.get("/").content.decode().split('class="site-footer"')[1]
    assert 'href="/newsletter/subscribe/">Newsletter</a>' in footer
