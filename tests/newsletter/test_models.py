import pytest
from django.db import IntegrityError

from newsletter.models import Subscriber

from ..factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def test_an_address_is_stored_in_lower_case():
    subscriber = Subscriber.objects.create(email="  Alice@Example.ORG ")
    subscriber.refresh_from_db()
    assert subscriber.email == "alice@example.org"


def test_the_database_refuses_a_second_spelling_of_an_address():
    Subscriber.objects.create(email="alice@example.org")
    with pytest.raises(IntegrityError):
        Subscriber.objects.create(email="ALICE@example.org")


def test_the_database_refuses_an_address_in_upper_case_written_past_save():
    subscriber = Subscriber.objects.create(email="alice@example.org")
    with pytest.raises(IntegrityError):
        Subscriber.objects.filter(pk=subscriber.pk).update(email="Alice@example.org")


def test_confirmed_means_confirmed_and_not_unsubscribed():
    reader = SubscriberFactory()
    SubscriberFactory(pending=True)
    SubscriberFactory(unsubscribed=True)
    assert list(Subscriber.objects.confirmed()) == [reader]


def test_confirming_again_after_unsubscribing_restarts_the_subscription():
    reader = SubscriberFactory(unsubscribed=True)
    first_confirmed = reader.confirmed_at
    reader.confirm()
    reader.refresh_from_db()
    assert reader.is_confirmed
    assert reader.unsubscribed_at is None
    assert reader.confirmed_at > first_confirmed


def test_an_unconfirmed_reader_has_no_new_stories(published_story):
    reader = SubscriberFactory(pending=True, topics=[published_story.topic])
    assert list(reader.new_stories()) == []
