"""Moving from outlet names on sources to Outlet rows keeps every name."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("sources", "0001_initial"), ("stories", "0001_initial")]
AFTER = [("sources", "0004_outlet_required"), ("stories", "0002_citation_details")]


@pytest.fixture
def migrator():
    yield MigrationExecutor(connection)
    # Leave the schema as the rest of the suite expects it.
    latest = MigrationExecutor(connection)
    latest.migrate(latest.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_existing_sources_are_linked_to_outlets_by_domain_without_losing_names(migrator):
    executor = migrator
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldSource = old.get_model("sources", "Source")
    for name, url in [
        ("Larkport Ledger", "https://www.larkportledger.example/a"),
        ("The Ledger", "https://larkportledger.example/b"),
        ("Ledger Sport", "https://sport.larkportledger.example/c"),
        ("City Council", "https://council.larkport.example/minutes"),
    ]:
        OldSource.objects.create(outlet_name=name, title=name, url=url)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Source = new.get_model("sources", "Source")
    Outlet = new.get_model("sources", "Outlet")

    outlets = {s.title: Outlet.objects.get(pk=s.outlet_id) for s in Source.objects.all()}
    assert outlets["Larkport Ledger"].name == "Larkport Ledger"
    assert outlets["The Ledger"] == outlets["Larkport Ledger"]  # same domain, one outlet
    assert outlets["Ledger Sport"] == outlets["Larkport Ledger"]  # a subdomain
    assert outlets["City Council"].name == "City Council"
    ledger = outlets["Larkport Ledger"]
    assert "Also cited as: The Ledger" in ledger.description
    assert "Also cited as: Ledger Sport" in ledger.description
    domains = new.get_model("sources", "OutletDomain").objects.filter(outlet_id=ledger.pk)
    assert [d.domain for d in domains] == ["larkportledger.example"]
