import csv
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from newsletter.models import Subscriber

from ..factories import SubscriberFactory
from ..html import elements, parse

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/newsletter/subscriber/"


def test_the_subscriber_list_shows_status_and_topics(editor_client, alice, bob):
    SubscriberFactory(email="waiting@example.org", pending=True)
    html = editor_client.get(CHANGELIST).content.decode()
    assert "alice@example.org" in html
    assert "AI, Energy" in html
    page = parse(html)
    assert elements(page, "img", alt="True") and elements(page, "img", alt="False")


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("confirmed", {"alice@example.org"}),
        ("awaiting", {"waiting@example.org"}),
        ("unsubscribed", {"gone@example.org"}),
    ],
)
def test_the_subscriber_list_filters_by_confirmation(editor_client, alice, status, shown):
    SubscriberFactory(email="waiting@example.org", pending=True)
    SubscriberFactory(email="gone@example.org", unsubscribed=True)
    response = editor_client.get(CHANGELIST, {"status": status})
    listed = {s.email for s in response.context["cl"].result_list}
    assert listed == shown


def test_the_subscriber_list_filters_by_topic_and_searches_by_email(
    editor_client, alice, bob, carol, energy
):
    by_topic = editor_client.get(CHANGELIST, {"topics__id__exact": energy.pk})
    assert {s.email for s in by_topic.context["cl"].result_list} == {
        "bob@example.org",
        "carol@example.org",
    }
    found = editor_client.get(CHANGELIST, {"q": "CAROL"})
    assert [s.email for s in found.context["cl"].result_list] == ["carol@example.org"]


def test_subscribers_cannot_be_added_by_hand(editor_client):
    assert editor_client.get(CHANGELIST + "add/").status_code == 403


def test_the_csv_export_streams_the_selected_subscribers(editor_client, alice, bob):
    SubscriberFactory(email="=1+1@example.org")
    response = editor_client.post(
        CHANGELIST,
        {
            "action": "export_csv",
            ACTION_CHECKBOX_NAME: [s.pk for s in Subscriber.objects.all()],
        },
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="subscribers-')
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["email", "confirmed_at", "topics", "last_digest_at"]
    by_email = {row[0]: row for row in rows[1:]}
    assert by_email["bob@example.org"][2] == "ai energy"
    assert by_email["alice@example.org"][1] == alice.confirmed_at.isoformat()
    assert by_email["alice@example.org"][3] == ""
    assert "'=1+1@example.org" in by_email, "a formula-like address is exported as text"


def test_the_unsubscribe_action_ends_subscriptions_and_says_how_many(editor_client, alice, bob):
    response = editor_client.post(
        CHANGELIST,
        {"action": "unsubscribe_selected", ACTION_CHECKBOX_NAME: [alice.pk, bob.pk]},
        follow=True,
    )
    assert "Unsubscribed 2 subscriber(s)" in response.content.decode()
    assert not Subscriber.objects.confirmed().exists()
