"""Admin widgets that survive input no browser of ours would send, labels
that say which zone a time is in, and a checkbox list that renders fast."""

import html

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from .times import in_zone


class TolerantAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete select, re-showing a form after a value that is no key.

    Django's widget looks up whatever value was posted to show it again, so a
    posted "abc" for a numeric key raised instead of the form's own "Select a
    valid choice" error (a 500). Values that are no key are left out of that
    lookup; the form still reports them.
    """

    def optgroups(self, name, value, attr=None):
        key = self.field.remote_field.model._meta.get_field(self.field.remote_field.field_name)
        valid = []
        for item in value:
            try:
                key.to_python(item)
            except (ValidationError, TypeError, ValueError):
                continue
            valid.append(item)
        return super().optgroups(name, valid, attr)


class TolerantAutocompleteMixin:
    """For a ModelAdmin or inline with autocomplete_fields."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = TolerantAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TimesInNewsroomZone:
    """A ModelAdmin or inline mixin: every date-and-time field's label names the
    newsroom's zone, in which it is shown and typed (the database keeps UTC)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if isinstance(db_field, models.DateTimeField) and field is not None:
            field.label = in_zone(capfirst(db_field.verbose_name))
        return field


class ManyCheckboxes(forms.CheckboxSelectMultiple):
    """Django's list of checkboxes, the same markup, rendered in Python.

    Django's template includes two more templates for each box: a list of a few
    hundred (the questions a story may answer) took a tenth of a second. Every
    name, value and label is escaped here, as the templates would.
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f"<div{_attributes({'id': widget['attrs'].get('id')})}"]
        parts.append(f"{_attributes({'class': widget['attrs'].get('class')})}>")
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f"\n  <div><label>{_escape(group)}</label>")
            parts += [f"<div>\n    {_box(option)}</div>" for option in options]
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return mark_safe("".join(parts))  # every part escaped above


def _escape(value) -> str:
    """As Django's conditional_escape, without its lazy-string wrapper (a
    tenth of the cost): text marked safe as is, anything else escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attributes(attrs) -> str:
    """attrs as HTML attributes, escaped: True ones bare, False and None ones left out."""
    return "".join(
        f" {_escape(key)}" if value is True else f' {_escape(key)}="{_escape(value)}"'
        for key, value in attrs.items()
        if value is not None and value is not False
    )


def _box(option) -> str:
    """One checkbox, escaped, as django/forms/widgets/input_option.html renders it."""
    box = (
        f'<input type="{_escape(option["type"])}" name="{_escape(option["name"])}" '
        f'value="{_escape(option["value"])}"{_attributes(option["attrs"])}>'
    )
    if not option["wrap_label"]:
        return box
    label_for = _attributes({"for": option["attrs"].get("id")})
    return f"<label{label_for}>{box} {_escape(option['label'])}</label>"
