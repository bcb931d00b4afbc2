from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from taggit.models import Tag

from factlen.admin_widgets import ManyCheckboxes
from factlen.times import in_zone

from . import limits
from .citations import citation_problems
from .models import OpenQuestion, Story, TimelineEvent, Viewpoint
from .partial_dates import PartialDate


class TimelineEventForm(forms.ModelForm):
    """Editors type the date as they know it: 2019, 2019-02 or 2019-02-12."""

    when = forms.CharField(
        label="Date",
        max_length=10,
        help_text="YYYY, YYYY-MM or YYYY-MM-DD: as much as is known.",
        widget=forms.TextInput(attrs={"size": 10, "placeholder": "2019-02"}),
    )

    class Meta:
        model = TimelineEvent
        fields = ["when", "text"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["when"] = self.instance.when.iso()

    def clean_when(self):
        try:
            when = PartialDate.parse(self.cleaned_data["when"])
        except ValueError as exc:
            raise ValidationError(str(exc)) from None
        self.instance.date, self.instance.precision = when.date, when.precision
        return when.iso()


class ViewpointForm(forms.ModelForm):
    """A viewpoint, with the box an editor ticks to sign it off as fair.

    The sign-off covers the viewpoint as saved with it; the admin gives the
    form class the signing user (`user`), and the rule on who may sign is
    checked here, on the server, whatever the browser sends.
    """

    user = None  # set per request by the admin

    sign_off = forms.BooleanField(
        label="Sign off as a fair statement of this view",
        required=False,
        help_text="An editor other than the story's writer vouches for the viewpoint as it "
        "reads after this save. Any later edit needs a new sign-off.",
    )

    class Meta:
        model = Viewpoint
        fields = ["label", "holders", "position", "stance", "summary", "detail"]
        # Labels that say where the reader sees each field.
        labels = {
            "label": "Name (strip and heading)",
            "holders": "Who holds it",
            "stance": "Stance: one line in the strip at the top",
            "summary": "Summary: the bold sentence in “Viewpoints in depth”",
            "detail": "Argument: the paragraphs in “Viewpoints in depth”",
        }

    def clean_sign_off(self):
        wants = self.cleaned_data["sign_off"]
        if not wants:
            return wants
        user = self.user
        if user is None or not user.has_perm("stories.sign_off_viewpoint"):
            raise ValidationError("Only an editor may sign off a viewpoint.")
        story = self.instance.story
        if story.owner_id is not None and story.owner_id == user.pk:
            raise ValidationError("You wrote this story: another editor signs off its viewpoints.")
        return wants

    def save(self, commit=True):
        if self.cleaned_data.get("sign_off"):
            self.instance.sign_off(by=self.user)
        return super().save(commit)


class StoryForm(forms.ModelForm):
    """The story form, carrying the version it was opened at.

    If someone saved the story since, the save is refused with who and when;
    the form keeps everything typed, now at the current version, so saving
    again (after comparing) is a deliberate choice, never an accident.
    """

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    answers = forms.ModelMultipleChoiceField(
        label="Questions this story answers",
        queryset=OpenQuestion.objects.none(),
        required=False,
        widget=ManyCheckboxes,
        # Plain words: the admin shows help text as HTML.
        help_text="Open questions of the topic's other recent stories. Each ticked one shows "
        "“Answered [date] in [this story]” under it once this story is live.",
    )
    answer_paragraph = forms.IntegerField(
        label="Answering paragraph",
        min_value=1,
        max_value=999,
        required=False,
        help_text="The paragraph of this story with the answer, for the questions ticked now.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["answers"].queryset = OpenQuestion.objects.answerable_by(self.instance)
        if self.instance.pk:
            self.initial["answers"] = list(self.instance.answers.values_list("pk", flat=True))
        self.fields["answers"].label_from_instance = lambda q: f"{q.story.title}: {q.text}"
        if self.instance.pk:
            # The instance was read from the database for this very form (the
            # admin's one load of the story), so its version is the current one.
            self.initial["opened_version"] = self.instance.version

    def clean_tags(self):
        tags = self.cleaned_data["tags"]
        limit = limits.ITEMS["tags"]
        if len(tags) > limit.most:
            raise ValidationError(limit.refusal(len(tags)), code="max_items")
        longest = Tag._meta.get_field("name").max_length
        for tag in tags:
            if len(tag) > longest:
                raise ValidationError(
                    f"The tag “{tag[:40]}…” is longer than {longest} characters ({len(tag):,}).",
                    code="max_length",
                )
        return tags

    def save_answers(self):
        """Answer the ticked questions with this story; reopen the ones unticked.
        Called once the story is saved."""
        story, ticked = self.instance, set(self.cleaned_data.get("answers") or ())
        already = set(story.answers.all())
        for question in already - ticked:
            question.reopen()
        paragraph = self.cleaned_data.get("answer_paragraph")
        for question in ticked - already:
            question.answer(story=story, paragraph=paragraph)

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        # Locked until this save's transaction ends, so two saves cannot both pass.
        current = (
            Story.objects.select_for_update(of=("self",))
            .select_related("last_edited_by")
            .only("version", "updated_at", "last_edited_by__username")
            .get(pk=self.instance.pk)
        )
        if cleaned.get("opened_version") != current.version:
            who = current.last_edited_by or "someone"
            when = timezone.localtime(current.updated_at).strftime("%d %b %Y at %H:%M:%S %Z")
            history = reverse("admin:stories_story_history", args=[self.instance.pk])
            self.data = self.data.copy()
            self.data["opened_version"] = current.version
            raise ValidationError(
                format_html(
                    "{} saved this story on {}, after you opened it. Nothing was saved; "
                    'everything you typed is still below. <a href="{}">See what changed</a>, '
                    "then save again to keep your version.",
                    who,
                    when,
                    history,
                ),
                code="stale",
            )
        self.instance.version = current.version + 1
        return cleaned


class CitationFormSet(forms.BaseInlineFormSet):
    """Checks the body's [n] markers against the citations being saved.

    The admin builds this formset with the story as it is being saved (the
    edited body applied), so body and citations are checked together.
    """

    def clean(self):
        # Before the default unique check, whose message would not name the number.
        numbers = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", {})
            if data.get("number") and not data.get("DELETE"):
                numbers.append(data["number"])
        problems = citation_problems(self.instance.body, numbers)
        if problems:
            raise ValidationError([p.message for p in problems])
        super().clean()


class TransitionForm(forms.Form):
    """The confirmation page of a workflow step: when (to publish), a comment
    (the public reason, to withdraw), and a reason for each failed publish check
    the editor publishes past. The rules themselves are workflow.perform's."""

    published_at = forms.DateTimeField(
        label="Published time",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "The published time is not a date and time."},
        help_text="Now, or a later time to schedule the story: it appears then with nothing "
        "to run.",
    )
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=limits.COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
    )

    def __init__(self, *args, step, overridable=(), **kwargs):
        super().__init__(*args, **kwargs)
        if step.target != Story.Status.PUBLISHED:
            del self.fields["published_at"]
        else:
            self.fields["published_at"].label = in_zone("Published time")
        if step.needs_comment:
            comment = self.fields["comment"]
            comment.label = (
                "Public reason for withdrawal"
                if step.target == Story.Status.WITHDRAWN
                else "Comment for the writer"
            )
            # Asked for here; refused without it by the workflow, whatever is posted.
            comment.widget.attrs.update(rows=4, required=True)
        self.rules = [result.rule for result in overridable]
        for result in overridable:
            self.fields[f"override_{result.rule}"] = forms.CharField(
                label=f"Override “{result.label}” because…",
                required=False,
                max_length=limits.COMMENT_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
                help_text="Leave empty to keep the check. A reason is recorded in the story's "
                "history.",
            )
        self.order_fields(["published_at", *(f"override_{r}" for r in self.rules), "comment"])

    @property
    def overrides(self) -> dict[str, str]:
        """Failed rule → the reason given for publishing past it."""
        return {rule: self.cleaned_data[f"override_{rule}"] for rule in self.rules}
