import pytest
from pytest_django.asserts import assertInHTML
from reversion.models import Version

from stories.models import Story
from stories.packages import import_package
from stories.revisions import versions_of, word_diff
from stories.workflow import perform

from ..factories import package_data
from ..html import elements, parse, text
from .test_locking import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported_draft(editor):
    return import_package(package_data(status="draft", published_at=None), by=editor).story


def save(client, story, **changes):
    url = f"/admin/stories/story/{story.pk}/change/"
    response = client.post(url, form_data(client.get(url)) | changes)
    if response.status_code != 302:
        errors = [response.context["adminform"].form.errors]
        errors += [i.formset.errors for i in response.context["inline_admin_formsets"]]
        pytest.fail(f"the save was refused: {errors}")


def test_every_save_records_a_revision_with_its_inlines_who_and_why(
    editor_client, imported_draft, editor
):
    save(editor_client, imported_draft, title="A sharper headline")
    perform(imported_draft, "publish", by=editor, comment="Go")
    versions = list(versions_of(imported_draft))
    assert versions[0].revision.get_comment() == "Publish or schedule: Go"
    assert versions[-1].revision.get_comment() == "Imported from a story package"
    assert all(v.revision.user == editor for v in versions)
    inline_models = {v.content_type.model for v in versions[0].revision.version_set.all()}
    assert {"story", "viewpoint", "keypoint", "openquestion", "timelineevent", "citation"} <= (
        inline_models
    )


def test_the_diff_shows_changed_fields_word_by_word_and_inline_rows(editor_client, imported_draft):
    save(
        editor_client,
        imported_draft,
        dek="A bigger wind farm means cheaper power and fewer grounds for crab boats.",
        **{"key_points-0-DELETE": "on", "key_points-3-text": "A new key point.",
           "key_points-3-position": "3", "key_points-TOTAL_FORMS": "4"},
    )  # fmt: skip
    old, new = reversed(list(versions_of(imported_draft))[:2])
    response = editor_client.get(
        f"/admin/stories/story/{imported_draft.pk}/history/compare/", {"old": old.pk, "new": new.pk}
    )
    html = response.content.decode()
    assertInHTML("<del>fishing</del>", html)
    assert any("crab" in text(ins) for ins in elements(parse(html), "ins"))
    assert "Added: A new key point." in html
    assert "Removed: The lease doubles capacity." in html


def test_the_history_page_lists_revisions_to_compare_and_restore(editor_client, imported_draft):
    save(editor_client, imported_draft, title="Second title")
    html = editor_client.get(f"/admin/stories/story/{imported_draft.pk}/history/").content.decode()
    page = parse(html)
    assert len(elements(page, "input", type="radio", name="old")) == 2
    table = elements(page, "table", id="change-history")[0]
    assert [text(b) for b in elements(table, "button")] == ["Restore"]


def test_restoring_a_revision_saves_it_as_a_new_revision(editor_client, imported_draft):
    original = Version.objects.get_for_object(imported_draft).first()
    save(editor_client, imported_draft, title="Changed title", **{"key_points-0-DELETE": "on"})
    assert imported_draft.key_points.count() == 2
    url = f"/admin/stories/story/{imported_draft.pk}/history/{original.pk}/restore/"
    assert editor_client.get(url).status_code == 403  # only by POST
    response = editor_client.post(url)
    assert response.status_code == 302
    restored = Story.objects.get(pk=imported_draft.pk)
    assert restored.title == "Harbour wind lease splits fishing towns"
    assert restored.key_points.count() == 3
    assert len(versions_of(imported_draft)) == 3  # restoring added a revision, erased none


def test_restoring_a_revision_brings_back_its_citation_count(editor_client, imported_draft):
    original = Version.objects.get_for_object(imported_draft).first()
    cited = imported_draft.citations.count()
    imported_draft.citations.last().delete()
    assert Story.objects.get(pk=imported_draft.pk).source_count == cited - 1
    url = f"/admin/stories/story/{imported_draft.pk}/history/{original.pk}/restore/"
    assert editor_client.post(url).status_code == 302
    assert imported_draft.citations.count() == cited
    assert Story.objects.get(pk=imported_draft.pk).source_count == cited


def test_word_diff_escapes_text():
    html = word_diff("a <b>bold</b> claim", "a <i>bold</i> claim")
    assert "<b>" not in html and "&lt;i&gt;bold&lt;/i&gt;" in html
    assertInHTML("<del>&lt;b&gt;bold&lt;/b&gt;</del>", html, count=1)
    assertInHTML("<ins>&lt;i&gt;bold&lt;/i&gt;</ins>", html, count=1)


def test_the_history_page_runs_as_many_queries_for_a_large_story_with_many_revisions(
    editor_client, editor, topic
):
    import reversion
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..factories import complete_story

    counts = []
    for size, revisions in ((2, 1), (6, 5)):
        story = complete_story(size=size, topic=topic)
        for i in range(revisions):
            with reversion.create_revision():
                reversion.add_to_revision(story)
                reversion.set_user(editor)
                reversion.set_comment(f"Save {i}")
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.get(f"/admin/stories/story/{story.pk}/history/")
        assert response.status_code == 200
        assert len(response.context["story_versions"]) == revisions
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries, then {counts[1]}"
    assert counts[1] <= 12, f"{counts[1]} queries: the history page loads no inlines"
