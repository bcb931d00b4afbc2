"""Any JSON a package file may hold: a stored story, or a clear refusal with
its path and nothing written. Never a traceback or a partial write."""

import json

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reversion.models import Revision, Version

from sources.models import Outlet, Source
from stories.models import Citation, Story, Topic, Transition, Viewpoint
from stories.package_format import parse_package
from stories.packages import PackageInvalid, import_package

from ..factories import package_data

pytestmark = pytest.mark.django_db

# Text as a file may hold it: any code point, NUL and unpaired surrogates included.
TEXT = st.text(st.characters(codec=None, categories=None), max_size=20)
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TABLES = (Story, Topic, Source, Outlet, Viewpoint, Citation, Transition, Revision, Version)


def paths(node, at=()):
    """Every place in a package: keys of objects, positions in lists."""
    yield at
    if isinstance(node, dict | list):
        for key, child in node.items() if isinstance(node, dict) else enumerate(node):
            yield from paths(child, (*at, key))


def changed(package, data):
    """The package with a few values replaced, removed or added, anywhere."""
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(list(paths(package))))
        if not where:
            package = data.draw(JSON)
            continue
        parent = package
        for key in where[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            parent[where[-1]] = data.draw(JSON)
        elif action == "remove":
            del parent[where[-1]]
        elif isinstance(parent, dict):
            parent[data.draw(TEXT)] = data.draw(JSON)
        else:
            parent.append(data.draw(JSON))
        if not isinstance(package, dict | list):
            break
    return package


def snapshot():
    return {model.__name__: model.objects.count() for model in TABLES}


def import_or_refusal(package):
    """Import in a transaction rolled back afterwards: each example starts
    from the same database. The refusal's problems, or None if imported."""
    with transaction.atomic():
        before = snapshot()
        try:
            result = import_package(package)
        except PackageInvalid as refusal:
            assert refusal.problems, "a refusal says what is wrong"
            assert all(isinstance(p, str) and p.strip() for p in refusal.problems)
            assert snapshot() == before, "a refused package wrote something"
            return refusal.problems
        assert result.story.slug == package["slug"]
        assert Story.objects.filter(pk=result.story.pk).exists()
        transaction.set_rollback(True)
        return None


@FUZZ
@given(data=st.data())
def test_any_change_to_a_package_imports_or_is_refused_with_nothing_written(data):
    package = changed(package_data(), data)
    problems = import_or_refusal(package)
    if problems and isinstance(package, dict) and package.get("format") == "factlen.story/1":
        # Inside an object, every problem says where it is.
        assert all(": " in problem for problem in problems), problems


@FUZZ
@given(package=JSON)
def test_any_json_at_all_is_refused_clearly(package):
    assert import_or_refusal(package)


@FUZZ
@given(raw=st.binary(max_size=200) | TEXT.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_read_as_a_package_decode_or_are_refused_clearly(raw):
    try:
        parse_package(raw)
    except PackageInvalid as refusal:
        assert refusal.problems and all(p.strip() for p in refusal.problems)


@FUZZ
@given(data=st.data())
def test_a_changed_package_read_from_its_file_is_refused_or_imported_the_same_way(data):
    package = changed(package_data(), data)
    text = json.dumps(package, ensure_ascii=data.draw(st.booleans()))
    try:
        decoded = parse_package(text.encode("utf-8", "surrogatepass"))
    except PackageInvalid:
        return
    import_or_refusal(decoded)
