"""The editorial workflow: who may move a story from which state to which.

    draft ──submit──▶ in review ──publish──▶ published ──withdraw──▶ withdrawn
      ▲                  │                      ▲
      └─────return───────┘      draft ──publish─┘ (editors)

Publishing with a future time schedules the story: visibility is decided at
query time (Story.objects.published()), so nothing has to run at that time.
Every rule is checked here, where the write happens, whatever the caller.
"""

from dataclasses import dataclass

import reversion
from django.db import transaction
from django.utils import timezone

from .models import Story, Transition
from .publish_checks import RULE_LABELS, failures

Status = Story.Status


class TransitionRefused(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    permission: str | None  # besides being allowed to edit the story
    needs_comment: bool = False
    explanation: str = ""


ACTIONS = {
    action.name: action
    for action in [
        Action(
            "submit",
            "Submit for review",
            (Status.DRAFT,),
            Status.IN_REVIEW,
            None,
            explanation="Editors see it in the review queue; you can no longer edit it.",
        ),
        Action(
            "return",
            "Return to writer",
            (Status.IN_REVIEW,),
            Status.DRAFT,
            "stories.review_story",
            needs_comment=True,
            explanation="The story goes back to draft with your comment for the writer.",
        ),
        Action(
            "publish",
            "Publish or schedule",
            (Status.DRAFT, Status.IN_REVIEW),
            Status.PUBLISHED,
            "stories.publish_story",
            explanation="Readers see it from the published time: now, or later if scheduled.",
        ),
        Action(
            "withdraw",
            "Withdraw",
            (Status.PUBLISHED,),
            Status.WITHDRAWN,
            "stories.publish_story",
            needs_comment=True,
            explanation="It leaves every list, feed and sitemap; its address answers 410 "
            "with your reason, which readers see.",
        ),
    ]
}


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
    return [a for a in ACTIONS.values() if not _refusals(user, story, a)]


def _refusals(user, story, action) -> list[str]:
    problems = []
    if story.status not in action.sources:
        problems.append(
            f"“{action.label}” is not possible for a story that is "
            f"{story.get_status_display().lower()}."
        )
    if action.permission and not user.has_perm(action.permission):
        problems.append(f"You are not allowed to {action.label.lower()}.")
    elif action.permission is None and not (
        user.has_perm("stories.edit_any_story") or user.pk in (story.owner_id, story.assigned_to_id)
    ):
        problems.append("Only the story's writer or an editor can submit it.")
    return problems


@transaction.atomic
def perform(
    story: Story,
    action_name: str,
    *,
    by,
    comment: str = "",
    published_at=None,
    overrides: dict[str, str] | None = None,
) -> Transition:
    """Move `story` through `action_name`, or raise TransitionRefused saying why.

    `overrides` maps failed publish-check rules to the editor's reason for
    publishing past them; only users with stories.override_check may give them.
    """
    action = ACTIONS.get(action_name)
    if action is None:
        raise TransitionRefused([f"Unknown action {action_name!r}."])
    story = Story.objects.select_for_update().get(pk=story.pk)
    problems = _refusals(by, story, action)
    comment = (comment or "").strip()
    if action.needs_comment and not comment:
        problems.append(
            "Give the reason readers will see."
            if action.name == "withdraw"
            else "Say what the writer should change."
        )
    recorded = []
    if action.name == "publish" and not problems:
        published_at = published_at or story.published_at or timezone.now()
        story.published_at = published_at
        overrides = {rule: reason.strip() for rule, reason in (overrides or {}).items()}
        loaded = Story.objects.for_page().get(pk=story.pk)
        for result in failures(loaded):
            reason = overrides.get(result.rule, "")
            if reason and by.has_perm("stories.override_check"):
                recorded.append({"rule": result.rule, "reason": reason})
            else:
                problems += result.problems
    if problems:
        raise TransitionRefused(problems)

    previous = story.status
    story.status = action.target
    if action.name == "withdraw":
        story.withdrawn_reason = comment
    with reversion.create_revision():
        story.save()
        reversion.set_user(by)
        reversion.set_comment(f"{action.label}" + (f": {comment}" if comment else ""))
    return Transition.objects.create(
        story=story,
        action=action.name,
        from_status=previous,
        to_status=action.target,
        by=by,
        comment=comment,
        overrides=recorded,
    )


def override_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule)
