"""The citation rule, stated once and said in the same words wherever it applies."""

import pytest

from stories.citations import citation_problems
from stories.models import Story
from stories.packages import PackageInvalid, import_package
from stories.publish_checks import run_checks

from ..factories import SourceFactory, complete_story, package_data
from .test_admin import errors_of, full_story_form


def messages(problems):
    return [p.message for p in problems]


def test_numbers_that_run_one_to_n_with_every_marker_resolving_pass():
    assert citation_problems("One [1]. Two [2][1].", [1, 2]) == []


def test_a_repeated_number_and_an_unresolved_marker_are_named():
    problems = citation_problems("One [1]. Two [3]. Again [3].", [1, 2, 2])
    assert messages(problems) == [
        "Two or more citations are numbered 2; each number is used once.",
        "The body cites [3], but no citation is numbered 3.",
    ]
    repeat, marker = problems
    assert (repeat.citation, repeat.in_body) == (2, False)  # the second citation numbered 2
    assert (marker.citation, marker.in_body) == (None, True)


def test_a_gap_in_the_numbers_names_what_is_missing():
    assert messages(citation_problems("[1] [4]", [1, 4])) == [
        "Citations are numbered 1 to 2 with no gap; number 2 is missing."
    ]
    assert messages(citation_problems("[1]", [1, 4, 5])) == [
        "Citations are numbered 1 to 3 with no gap; numbers 2, 3 are missing."
    ]


def test_an_uncited_citation_fails_only_when_every_citation_must_be_cited():
    assert citation_problems("Only [1].", [1, 2]) == []
    problems = citation_problems("Only [1].", [1, 2], all_cited=True)
    assert messages(problems) == ["Citation 2 is never cited in the story."]
    assert problems[0].citation == 1


def test_markers_inside_code_are_not_citations():
    assert citation_problems("Write `[2]` to cite source 2. Real [1].", [1]) == []


@pytest.mark.django_db
def test_the_admin_the_publish_checks_and_the_import_say_the_same_words(editor_client, topic):
    words = "The body cites [2], but no citation is numbered 2."

    response = editor_client.post(
        "/admin/stories/story/add/", full_story_form(topic, [SourceFactory()])
    )
    assert words in errors_of(response)

    story = complete_story(size=1, topic=topic, status=Story.Status.DRAFT, published_at=None)
    Story.objects.filter(pk=story.pk).update(body="Claim [1]. Another claim [2].")
    checks = run_checks(Story.objects.for_page().get(pk=story.pk))
    assert words in next(r for r in checks if r.rule == "markers").problems

    data = package_data(body="Claim [1]. Another claim [2].")
    data["sources"] = data["sources"][:1]
    with pytest.raises(PackageInvalid) as refused:
        import_package(data)
    assert refused.value.problems == [f"body: {words}"]
