import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from sources.models import Source

from ..factories import OutletFactory


@pytest.fixture
def ledger(db):
    return OutletFactory(name="Ledger", slug="ledger")


def test_saving_a_source_stores_the_normalised_url(ledger):
    source = Source.objects.create(
        outlet=ledger, title="A story", url="HTTPS://Ledger.example/story/?utm_source=x"
    )
    source.refresh_from_db()
    assert source.url == "https://ledger.example/story"


def test_two_spellings_of_one_url_cannot_be_two_sources(ledger):
    Source.objects.create(outlet=ledger, title="A", url="https://ledger.example/story")
    with pytest.raises(IntegrityError):
        Source.objects.create(outlet=ledger, title="A", url="https://LEDGER.example/story/#top")


def test_full_clean_reports_the_duplicate_after_normalising(ledger):
    Source.objects.create(outlet=ledger, title="A", url="https://ledger.example/story")
    duplicate = Source(outlet=ledger, title="A", url="https://ledger.example/story/")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "Already a source: Ledger: A" in str(error.value.message_dict["url"])


def test_full_clean_refuses_a_non_http_url(ledger):
    source = Source(outlet=ledger, title="A", url="ftp://ledger.example/story")
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert "only http and https" in str(error.value.message_dict["url"])


def test_for_url_finds_a_source_by_any_spelling(ledger):
    source = Source.objects.create(outlet=ledger, title="A", url="https://l.example/a")
    assert list(Source.objects.for_url("https://L.example/a/?utm_medium=x")) == [source]


def test_full_clean_matches_the_outlet_by_domain_when_none_is_chosen(ledger):
    ledger.domains.create(domain="ledger.example")
    source = Source(title="A", url="https://news.ledger.example/a")
    source.full_clean()
    assert source.outlet == ledger


def test_full_clean_asks_for_an_outlet_when_no_domain_matches(db):
    source = Source(title="A", url="https://unknown.example/a")
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert error.value.message_dict["outlet"] == [
        "No outlet publishes on unknown.example yet: choose one, or create it by giving its "
        "name below (filled in from the domain) and saving again."
    ]
