from django import forms
from django.core.exceptions import ValidationError

from .citations import citation_problems
from .models import TimelineEvent
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
            raise ValidationError(problems)
        super().clean()
