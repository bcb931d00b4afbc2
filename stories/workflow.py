"""The editorial workflow: who may move a story from which state to which.

    draft ──submit──▶ in review ──publish──▶ published ──withdraw──▶ withdrawn
      ▲                  │                      ▲
      └─────return───────┘      draft ──publish─┘ (editors)

An import (import_story) moves a story from any state to the one its package
gives. Reaching a state has the same rules whichever action gets there: a
published story passes the publish checks (or an editor overrides a failed one
with a reason) and has a published time; a withdrawn story has a public reason.

Publishing with a future time schedules the story: visibility is decided at
query time (Story.objects.published()), so nothing has to run at that time.
Every rule is checked here, where the write happens, whatever the caller: the
admin's pages and bulk action and import_story all call perform().
"""

from dataclasses import dataclass

import reversion
from django.db import transaction
from django.utils import timezone

from .models import Story, Transition
from .publish_checks import RULE_LABELS, failures

Status = Story.Status
Name = Transition.Action


class TransitionRefused(Exception):
    """`problems` says why, in order; `checks` are the publish checks among them
    that failed (and were not overridden)."""

    def __init__(self, problems: list[str], checks=()):
        self.problems = problems
        self.checks = list(checks)
        super().__init__(" ".join(problems))


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[str, ...]
    target: str | None  # None: the caller names it (an import)
    permission: str | None  # besides being allowed to edit the story
    needs_comment: bool = False
    explanation: str = ""
    # Why someone without `permission` is refused, and what to do instead.
    refused: str = ""

    @property
    def label(self) -> str:
        return Name(self.name).label


# The steps editors and writers take in the admin.
ACTIONS = {
    action.name: action
    for action in [
        Action(
            Name.SUBMIT,
            (Status.DRAFT,),
            Status.IN_REVIEW,
            None,
            explanation="Editors see it in the review queue; you can no longer edit it.",
        ),
        Action(
            Name.RETURN,
            (Status.IN_REVIEW,),
            Status.DRAFT,
            "stories.review_story",
            needs_comment=True,
            explanation="The story goes back to draft with your comment for the writer.",
            refused="Returning a story to its writer needs an editor.",
        ),
        Action(
            Name.PUBLISH,
            (Status.DRAFT, Status.IN_REVIEW),
            Status.PUBLISHED,
            "stories.publish_story",
            explanation="Readers see it from the published time: now, or later if scheduled.",
            refused="Publishing needs an editor: submit the story for review, and an editor "
            "will publish or schedule it.",
        ),
        Action(
            Name.WITHDRAW,
            (Status.PUBLISHED,),
            Status.WITHDRAWN,
            "stories.publish_story",
            needs_comment=True,
            explanation="It leaves every list, feed and sitemap; its address answers 410 "
            "with your reason, which readers see.",
            refused="Withdrawing a story needs an editor: ask one, saying why.",
        ),
    ]
}
# import_story: a package may publish, withdraw or take a story back to draft.
IMPORT = Action(
    Name.IMPORT,
    tuple(Status.values),
    None,
    "stories.publish_story",
    explanation="The story takes the state its package gives.",
)
_ALL = {**ACTIONS, IMPORT.name: IMPORT}


def can_edit(user, story) -> bool:
    """May `user` change this story's content now?"""
    if user.has_perm("stories.edit_any_story"):
        return True
    if not user.has_perm("stories.change_story"):
        return False
    if story.pk is None:
        return True
    return story.status == Status.DRAFT and user.pk in (story.owner_id, story.assigned_to_id)


def allowed_actions(user, story) -> list[Action]:
    return [a for a in ACTIONS.values() if not refusals(user, story, action=a)]


def refusals(user, story, *, action) -> list[str]:
    """Why `user` may not take `action` on `story` now (empty if they may)."""
    problems = []
    if story.status not in action.sources:
        problems.append(
            f"“{action.label}” is not possible for a story that is "
            f"{story.get_status_display().lower()}."
        )
    if user is None:  # an operator at the command line: no permission limits them
        return problems
    if action.permission and not user.has_perm(action.permission):
        problems.append(action.refused or f"You are not allowed to {action.label.lower()}.")
    elif action.permission is None and not (
        user.has_perm("stories.edit_any_story") or user.pk in (story.owner_id, story.assigned_to_id)
    ):
        problems.append("Only the story's writer or an editor can submit it.")
    return problems


def _comment_problems(action, target, comment) -> list[str]:
    if comment:
        return []
    if target == Status.WITHDRAWN:
        return ["Give the reason readers will see."]
    if action.needs_comment:
        return ["Say what the writer should change."]
    return []


def _publish_checks(story, by, overrides):
    """(overrides to record, checks that still fail) for publishing `story` as saved."""
    overrides = {rule: reason.strip() for rule, reason in (overrides or {}).items()}
    may_override = by is None or by.has_perm("stories.override_check")
    recorded, failed = [], []
    for result in failures(Story.objects.for_page().get(pk=story.pk)):
        reason = overrides.get(result.rule, "")
        if reason and may_override:
            recorded.append({"rule": result.rule, "reason": reason})
        else:
            failed.append(result)
    return recorded, failed


@transaction.atomic
def perform(
    story: Story,
    action_name: str,
    *,
    by,
    comment: str = "",
    published_at=None,
    overrides: dict[str, str] | None = None,
    to: str | None = None,
) -> Transition:
    """Move `story` through `action_name`, or raise TransitionRefused saying why.

    `by` is the acting user, or None for an operator running import_story.
    `to` is the state an import moves the story to; an import also sets the
    published time it is given, even to none. `overrides` maps failed
    publish-check rules to the reason for publishing past them; only users
    with stories.override_check (and operators) may give them.
    """
    action = _ALL.get(action_name)
    if action is None:
        raise TransitionRefused([f"Unknown action {action_name!r}."])
    target = action.target or to
    if target not in Status.values:
        raise TransitionRefused([f"{target!r} is not a state a story can be in."])
    story = Story.objects.select_for_update().get(pk=story.pk)
    comment = (comment or "").strip()
    problems = refusals(by, story, action=action) + _comment_problems(action, target, comment)
    if target in (Status.IN_REVIEW, Status.PUBLISHED) and not problems:
        # Not overridable: a story over the limits slows every page it is on.
        problems += story.limit_problems()
    if action is IMPORT:
        story.published_at = published_at
    recorded, failed = [], []
    if target == Status.PUBLISHED and not problems:
        story.published_at = published_at or story.published_at or timezone.now()
        recorded, failed = _publish_checks(story, by, overrides)
        problems += [problem for result in failed for problem in result.problems]
    if problems:
        raise TransitionRefused(problems, failed)

    previous = story.status
    story.status = target
    if target == Status.WITHDRAWN:
        story.withdrawn_reason = comment
    with reversion.create_revision():
        story.save()
        reversion.set_user(by)
        reversion.set_comment(f"{action.label}" + (f": {comment}" if comment else ""))
    return Transition.objects.create(
        story=story,
        action=action.name,
        from_status=previous,
        to_status=target,
        by=by,
        comment=comment,
        overrides=recorded,
    )


def override_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule)
