"""Admin widgets that survive input no browser of ours would send, and labels
that say which zone a time is in."""

from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import models
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
