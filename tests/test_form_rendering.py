import datetime
import decimal

from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates, TemplatesSetting
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from factlen.form_rendering import QuickRenderer, QuickWriters

ODD_ATTRS = {
    "class": 'wide "quoted" <b>',
    "required": True,
    "disabled": False,
    "data-none": None,
    "data-zero": 0,
    "data-one": 1,
    "data-safe": mark_safe("<i>kept</i>"),
    "data-lazy": gettext_lazy("Lazy"),
    "placeholder": "it's & <this>",
}
VALUES = [
    None,
    "",
    0,
    42,
    "plain",
    "<script>alert('x')</script> & more",
    mark_safe("<b>safe</b>"),
    decimal.Decimal("1234.50"),
    datetime.date(2026, 11, 27),
]
WIDGETS = [
    forms.TextInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.PasswordInput,
    forms.HiddenInput,
    forms.CheckboxInput,
    forms.Textarea,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
]


def both(render):
    """`render(renderer)` with Django's renderer and with ours."""
    return render(DjangoTemplates()), render(QuickRenderer())


def test_the_quick_renderer_is_the_sites_form_renderer():
    assert settings.FORM_RENDERER == "factlen.form_rendering.QuickRenderer"


def test_every_widget_it_writes_comes_out_byte_for_byte_as_djangos_templates_write_it():
    for widget_class in WIDGETS:
        for attrs in ({}, {"id": "id_x"}, ODD_ATTRS):
            for value in VALUES:
                widget = widget_class(attrs=attrs)
                djangos, ours = both(
                    lambda renderer, w=widget, v=value: w.render('na"me', v, renderer=renderer)
                )
                assert ours == djangos, (widget_class.__name__, attrs, value)


CHOICES = [
    ("", "---------"),
    (1, "One <1>"),
    ("two", mark_safe("<b>Two</b>")),
    ("Group & co", [(3, "Three"), (4, gettext_lazy("Four"))]),
    (decimal.Decimal("5.5"), datetime.date(2026, 1, 2)),
]


def test_selects_come_out_as_djangos_with_options_groups_and_choices_picked():
    for widget_class in (forms.Select, forms.SelectMultiple, forms.NullBooleanSelect):
        for attrs in ({}, ODD_ATTRS):
            for value in (None, "", 1, "two", [3, 4], 4, True, "unknown"):
                if widget_class is forms.NullBooleanSelect:
                    choices, value = {}, value if value in (None, True, "unknown") else False
                else:
                    choices = {"choices": CHOICES}
                widget = widget_class(attrs=attrs, **choices)
                djangos, ours = both(
                    lambda renderer, w=widget, v=value: w.render("pick", v, renderer=renderer)
                )
                assert ours == djangos, (widget_class.__name__, attrs, value)


class Example(forms.Form):
    title = forms.CharField(label="Title <b>&</b>", max_length=5)
    body = forms.CharField(widget=forms.Textarea, label=mark_safe("Body <i>text</i>"))
    agree = forms.BooleanField(label=gettext_lazy("Agree"))
    count = forms.IntegerField(label="Count", min_value=1)


def test_labels_and_error_lists_come_out_as_djangos():
    for data in (None, {}, {"title": "much too long <x>", "count": "0", "body": "ok"}):
        for auto_id in ("id_%s", False):

            def render(renderer, data=data, auto_id=auto_id):
                form = Example(data, renderer=renderer, auto_id=auto_id)
                parts = []
                for field in form:
                    parts += [field.label_tag(), field.label_tag(tag="legend"), str(field.errors)]
                    parts += [field.errors.as_ul(), str(field), field.as_field_group()]
                return [*parts, str(form.non_field_errors()), form.as_div()]

            djangos, ours = both(render)
            assert ours == djangos, (data, auto_id)


class NoLabelTarget(forms.TextInput):
    """A widget a label cannot point at (as Django's password-hash display)."""

    def id_for_label(self, id_):
        return None


def test_a_label_with_nothing_to_point_at_comes_out_as_djangos():
    class Odd(forms.Form):
        hash = forms.CharField(widget=NoLabelTarget, label="Password <hash>")

    def render(renderer):
        field = Odd(renderer=renderer)["hash"]
        return [field.label_tag(), field.as_field_group()]

    djangos, ours = both(render)
    assert ours == djangos
    assert ours[0] == "<label>Password &lt;hash&gt;:</label>"


def test_a_template_the_project_overrides_is_rendered_from_its_file(tmp_path, settings):
    widgets = tmp_path / "django" / "forms" / "widgets"
    widgets.mkdir(parents=True)
    (widgets / "input.html").write_text('<input class="ours" name="{{ widget.name }}">')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django.forms"]  # its templates

    class ProjectTemplates(QuickWriters, TemplatesSetting):
        pass

    renderer = ProjectTemplates()
    assert (
        forms.TextInput()
        .render("title", "x", renderer=renderer)
        .startswith('<input class="ours" name="title">')
    )
    # Those it does not override are still written in Python.
    assert forms.Textarea().render("body", "x", renderer=renderer) == forms.Textarea().render(
        "body", "x", renderer=DjangoTemplates()
    )
    assert renderer._ours == {
        "django/forms/widgets/text.html": False,
        "django/forms/widgets/textarea.html": True,
    }
