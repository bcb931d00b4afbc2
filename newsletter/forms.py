from django import forms

from stories.models import OpenQuestion, Topic

# A field people never see (hidden by CSS, skipped by keyboard and screen
# readers) but form-filling bots do: a value in it marks the sign-up as a bot's.
HONEYPOT = "website"


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(Topic.objects.all(), to_field_name="slug", **kwargs)


def email_field():
    return forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address such as name@example.com.",
            "max_length": "An email address has at most 254 characters.",
        },
    )


class SubscribeForm(forms.Form):
    email = email_field()
    topics = TopicChoiceField(error_messages={"required": "Choose at least one topic."})

    def is_from_bot(self):
        return bool(self.data.get(HONEYPOT, "").strip())


class TopicsForm(forms.Form):
    topics = TopicChoiceField(required=False)


class FollowForm(forms.Form):
    """Follow one open question of a live story by email."""

    email = email_field()
    question = forms.IntegerField(
        min_value=1,
        # Far above any id, far below what a database integer holds.
        max_value=2**31 - 1,
        error_messages={
            "required": "Choose a question to follow.",
            "invalid": "That question does not exist.",
            "min_value": "That question does not exist.",
            "max_value": "That question does not exist.",
        },
    )

    def clean_question(self):
        question = (
            OpenQuestion.objects.filter(pk=self.cleaned_data["question"])
            .select_related("story__topic")
            .first()
        )
        if question is None or not question.story.is_live:
            raise forms.ValidationError("That question does not exist.")
        if not question.is_open_to_readers:
            raise forms.ValidationError(
                "That question is no longer open: its story shows what became of it."
            )
        return question

    def is_from_bot(self):
        return bool(self.data.get(HONEYPOT, "").strip())
