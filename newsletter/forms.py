from django import forms

from stories.models import Topic

# A field people never see (hidden by CSS, skipped by keyboard and screen
# readers) but form-filling bots do: a value in it marks the sign-up as a bot's.
HONEYPOT = "website"


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def __init__(self, **kwargs):
        super().__init__(Topic.objects.all(), to_field_name="slug", **kwargs)


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address such as name@example.com.",
        },
    )
    topics = TopicChoiceField(error_messages={"required": "Choose at least one topic."})

    def is_from_bot(self):
        return bool(self.data.get(HONEYPOT, "").strip())


class TopicsForm(forms.Form):
    topics = TopicChoiceField(required=False)
