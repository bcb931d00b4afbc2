import pytest

from sources.models import Outlet, OutletDomain, Source, domain_candidates
from stories.packages import export_package, import_package

from ..factories import OutletFactory, SourceFactory, package_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def reason():
    outlet = OutletFactory(name="Reason", slug="reason", kind=Outlet.Kind.MAGAZINE)
    outlet.domains.create(domain="reason.com")
    return outlet


@pytest.mark.parametrize(
    "url",
    [
        "https://reason.com/2024/08/bill",
        "https://www.reason.com/2024/08/bill",
        "https://WWW.Reason.com/x",
        "https://features.reason.com/x",
        "https://a.b.reason.com/x",
        "http://reason.com:8080/x",
    ],
)
def test_a_url_on_the_outlets_domain_or_a_subdomain_matches_it(reason, url):
    assert Outlet.objects.for_url(url) == reason


@pytest.mark.parametrize(
    "url",
    [
        "https://notreason.com/x",
        "https://reason.com.evil.example/x",
        "https://reason.co/x",
        "https://reasoncom.example/x",
    ],
)
def test_a_lookalike_domain_does_not_match(reason, url):
    assert Outlet.objects.for_url(url) is None


def test_the_most_specific_domain_wins():
    parent = OutletFactory(name="Big Media", slug="big-media")
    parent.domains.create(domain="bigmedia.example")
    radio = OutletFactory(name="Big Media Radio", slug="big-media-radio")
    radio.domains.create(domain="radio.bigmedia.example")
    assert Outlet.objects.for_url("https://radio.bigmedia.example/show") == radio
    assert Outlet.objects.for_url("https://news.bigmedia.example/story") == parent


def test_domain_candidates_are_whole_labels():
    assert domain_candidates("news.bbc.co.uk") == ["news.bbc.co.uk", "bbc.co.uk", "co.uk"]
    assert domain_candidates("www.reason.com") == ["reason.com"]


def test_domains_are_stored_without_www_and_in_lowercase(reason):
    domain = OutletDomain.objects.create(outlet=reason, domain=" WWW.Reason.org ")
    assert domain.domain == "reason.org"


def test_import_matches_an_existing_outlet_by_domain_whatever_name_the_package_gives():
    courier = OutletFactory(name="The Tidewater Courier", slug="courier")
    courier.domains.create(domain="tidewatercourier.example")
    story = import_package(package_data()).story
    source = story.citations.get(number=1).source
    assert source.outlet == courier
    assert export_package(story)["sources"][0]["outlet"] == "The Tidewater Courier"


def test_import_creates_an_outlet_from_the_package_name_when_no_domain_matches():
    story = import_package(package_data()).story
    radio = story.citations.get(number=2).source.outlet
    assert radio.name == "Northshore Radio"
    assert radio.slug == "northshore-radio"
    assert [d.domain for d in radio.domains.all()] == ["northshore-radio.example"]
    # A second story on the same site reuses it.
    other = package_data(slug="other-story")
    other["sources"][1]["url"] = "https://live.northshore-radio.example/other"
    other["sources"][1]["outlet"] = "NSR"
    import_package(other)
    assert Outlet.objects.filter(name__icontains="northshore").count() == 1
    assert not Outlet.objects.filter(name="NSR").exists()


def test_new_outlets_get_unique_slugs():
    OutletFactory(name="Northshore Radio", slug="northshore-radio")
    story = import_package(package_data()).story
    assert story.citations.get(number=2).source.outlet.slug == "northshore-radio-2"


def test_merging_outlets_moves_every_source_and_domain_and_leaves_no_orphan():
    keep = OutletFactory(name="Ledger", slug="ledger", country="")
    keep.domains.create(domain="ledger.example")
    dupe = OutletFactory(name="The Ledger", slug="the-ledger", country="Tidewater")
    dupe.domains.create(domain="larkportledger.example")
    SourceFactory.create_batch(2, outlet=keep)
    moved = SourceFactory.create_batch(3, outlet=dupe)
    assert keep.merge([dupe]) == 3
    assert not Outlet.objects.filter(pk=dupe.pk).exists()
    assert Source.objects.filter(outlet=keep).count() == 5
    assert {s.outlet_id for s in Source.objects.filter(pk__in=[s.pk for s in moved])} == {keep.pk}
    assert sorted(keep.domains.values_list("domain", flat=True)) == [
        "larkportledger.example",
        "ledger.example",
    ]
    keep.refresh_from_db()
    assert keep.country == "Tidewater"  # a blank detail is filled from the merged outlet
    assert Outlet.objects.for_url("https://larkportledger.example/x") == keep


def test_merge_action_asks_which_outlet_to_keep_then_merges(editor_client):
    a = OutletFactory(name="Ledger", slug="ledger")
    b = OutletFactory(name="The Ledger", slug="the-ledger")
    SourceFactory(outlet=b)
    data = {"action": "merge_outlets", "_selected_action": [a.pk, b.pk]}
    ask = editor_client.post("/admin/sources/outlet/", data)
    assert ask.status_code == 200
    assert "Keep which outlet?" in ask.content.decode()
    assert Outlet.objects.count() == 2
    done = editor_client.post("/admin/sources/outlet/", data | {"merge_into": b.pk}, follow=True)
    assert "Merged Ledger into The Ledger: 0 source(s) moved, 1 outlet(s) removed." in (
        done.content.decode()
    )
    assert list(Outlet.objects.all()) == [b]


def test_merge_action_needs_two_outlets(editor_client):
    a = OutletFactory()
    response = editor_client.post(
        "/admin/sources/outlet/",
        {"action": "merge_outlets", "_selected_action": [a.pk]},
        follow=True,
    )
    assert "Select two or more outlets to merge." in response.content.decode()
    assert Outlet.objects.count() == 1
