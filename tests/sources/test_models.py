import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from sources.models import Source


@pytest.mark.django_db
def test_saving_a_source_stores_the_normalised_url():
    source = Source.objects.create(
        outlet_name="Ledger", title="A story", url="HTTPS://Ledger.example/story/?utm_source=x"
    )
    source.refresh_from_db()
    assert source.url == "https://ledger.example/story"


@pytest.mark.django_db
def test_two_spellings_of_one_url_cannot_be_two_sources():
    Source.objects.create(outlet_name="Ledger", title="A", url="https://ledger.example/story")
    with pytest.raises(IntegrityError):
        Source.objects.create(
            outlet_name="Ledger", title="A", url="https://LEDGER.example/story/#top"
        )


@pytest.mark.django_db
def test_full_clean_reports_the_duplicate_after_normalising():
    Source.objects.create(outlet_name="Ledger", title="A", url="https://ledger.example/story")
    duplicate = Source(outlet_name="Ledger", title="A", url="https://ledger.example/story/")
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "url" in error.value.message_dict
    assert "already exists" in str(error.value.message_dict["url"])


@pytest.mark.django_db
def test_full_clean_refuses_a_non_http_url():
    source = Source(outlet_name="Ledger", title="A", url="ftp://ledger.example/story")
    with pytest.raises(ValidationError) as error:
        source.full_clean()
    assert "url" in error.value.message_dict


@pytest.mark.django_db
def test_for_url_finds_a_source_by_any_spelling():
    source = Source.objects.create(outlet_name="L", title="A", url="https://l.example/a")
    assert list(Source.objects.for_url("https://L.example/a/?utm_medium=x")) == [source]
