"""Django's form renderer, writing its plainest templates in Python.

Each <input> Django renders is three templates (text.html includes input.html,
which includes attrs.html), each label and each error list one more. The
story's change page has some four hundred of them: a quarter of its time at
archive size went into the template engine for markup a few lines of Python
write byte for byte the same. The writers here cover Django's own templates
only: where a project overrides one (a file of the same name found first),
that template is rendered as usual.
"""

import html

import django
from django.forms.renderers import DjangoTemplates
from django.template.backends.django import Template as DjangoBackendTemplate
from django.utils.formats import localize
from django.utils.timezone import template_localtime

DJANGO_DIR = django.__path__[0]
WIDGETS = "django/forms/widgets/"


def _escape(value) -> str:
    """What the template engine prints for {{ value }}: text marked safe as is,
    anything else localised as the engine does and escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    value = localize(template_localtime(value))
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _string(value) -> str:
    """{{ value|stringformat:'s' }}."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attrs(attrs) -> str:
    """django/forms/widgets/attrs.html (and django/forms/attrs.html)."""
    return "".join(
        "" if value is False else f" {_escape(name)}" if value is True else
        f' {_escape(name)}="{_string(value)}"'
        # None where a label has no `for` (a widget with no id to point at).
        for name, value in (attrs or {}).items()
    )  # fmt: skip


def _input(widget) -> str:
    """django/forms/widgets/input.html."""
    value = "" if widget["value"] is None else f' value="{_string(widget["value"])}"'
    return (
        f'<input type="{_escape(widget["type"])}" name="{_escape(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def _textarea(context) -> str:
    widget = context["widget"]
    value = _escape(widget["value"]) if widget["value"] else ""
    name, attrs = _escape(widget["name"]), _attrs(widget["attrs"])
    return f'<textarea name="{name}"{attrs}>\n{value}</textarea>'


def _select(context):
    """django/forms/widgets/select.html, its options from select_option.html;
    None (render the template) if an option has a template of its own."""
    widget = context["widget"]
    parts = [f'<select name="{_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_escape(group_name)}">')
        for option in options:
            if option["template_name"] != f"{WIDGETS}select_option.html":
                return None
            parts.append(
                f'\n  <option value="{_string(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _label(context) -> str:
    if not context["use_tag"]:
        return _escape(context["label"])
    tag = _escape(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{_escape(context['label'])}</{tag}>"


def _errors(context) -> str:
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    id_attr = f' id="{_escape(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_escape(error)}</li>" for error in errors)
    return f'<ul class="{_escape(context["error_class"])}"{id_attr}>{items}</ul>'


INPUT_TYPES = ["text", "number", "email", "url", "password", "hidden", "checkbox", "search"]
INPUT_TYPES += ["tel", "color", "date", "datetime", "time"]
# Template name → (the templates it is made of, the writer of its output).
WRITERS = {
    **{
        f"{WIDGETS}{kind}.html": (
            [f"{WIDGETS}{kind}.html", f"{WIDGETS}input.html", f"{WIDGETS}attrs.html"],
            lambda context: _input(context["widget"]),
        )
        for kind in INPUT_TYPES
    },
    f"{WIDGETS}textarea.html": ([f"{WIDGETS}textarea.html", f"{WIDGETS}attrs.html"], _textarea),
    f"{WIDGETS}select.html": (
        [f"{WIDGETS}select.html", f"{WIDGETS}select_option.html", f"{WIDGETS}attrs.html"],
        _select,
    ),
    "django/forms/label.html": (["django/forms/label.html", "django/forms/attrs.html"], _label),
    "django/forms/errors/list/default.html": (
        ["django/forms/errors/list/default.html", "django/forms/errors/list/ul.html"],
        _errors,
    ),
    "django/forms/errors/list/ul.html": (["django/forms/errors/list/ul.html"], _errors),
}


class QuickWriters:
    """A form renderer mixin: WRITERS for the templates that are Django's own."""

    def __init__(self):
        super().__init__()
        self._ours: dict[str, bool] = {}

    def render(self, template_name, context, request=None):
        found = WRITERS.get(template_name)
        if found is not None and self._is_djangos(template_name, found[0]):
            written = found[1](context)
            if written is not None:
                return written.strip()  # as Django's renderer strips a template's
        return super().render(template_name, context, request)

    def _is_djangos(self, template_name, parts) -> bool:
        if template_name not in self._ours:
            self._ours[template_name] = all(
                _origin(self.get_template(part)).startswith(DJANGO_DIR) for part in parts
            )
        return self._ours[template_name]


def _origin(template) -> str:
    if isinstance(template, DjangoBackendTemplate):
        return str(template.origin.name)
    return ""


class QuickRenderer(QuickWriters, DjangoTemplates):
    """FORM_RENDERER: Django's default renderer, with QuickWriters."""
