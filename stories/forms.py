from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from .citations import citation_problems
from .models import Story, TimelineEvent
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


class StoryForm(forms.ModelForm):
    """The story form, carrying the version it was opened at.

    If someone saved the story since, the save is refused with who and when;
    the form keeps everything typed, now at the current version, so saving
    again (after comparing) is a deliberate choice, never an accident.
    """

    opened_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # From the database, not the instance: when restoring a revision the
            # instance holds the old revision's values, version included.
            current = Story.objects.filter(pk=self.instance.pk).values_list("version", flat=True)
            self.initial["opened_version"] = current.first()

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
            when = timezone.localtime(current.updated_at).strftime("%d %b %Y at %H:%M:%S")
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
