from django import forms
from django.test.html import parse_html
from django.utils.safestring import mark_safe

from factlen.admin_widgets import ManyCheckboxes

CHOICES = [
    (1, "Who pays <for> it?"),
    (2, "Fares & “free” rides: 'when'?"),
    (3, mark_safe("<em>Marked safe</em>")),
]
GROUPED = [("Budget <2026>", [(1, "Who pays?"), (2, "How much?")]), (3, "When?")]


def test_many_checkboxes_render_the_markup_of_djangos_checkbox_list():
    for choices in (CHOICES, GROUPED):
        for attrs in ({"id": "id_answers"}, {}, {"id": "id_answers", "class": "wide"}):
            ours = ManyCheckboxes(choices=choices, attrs=attrs).render("answers", [2, 3])
            djangos = forms.CheckboxSelectMultiple(choices=choices, attrs=attrs).render(
                "answers", [2, 3]
            )
            assert parse_html(ours) == parse_html(djangos), (choices, attrs)


def test_many_checkboxes_escape_labels_names_and_values():
    html = ManyCheckboxes(choices=[('"><script>', "<script>alert(1)</script>")]).render(
        'answers"', []
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'name="answers&quot;"' in html
    assert 'value="&quot;&gt;&lt;script&gt;"' in html


def test_many_checkboxes_tick_the_chosen_values_only():
    html = ManyCheckboxes(choices=CHOICES, attrs={"id": "q"}).render("answers", [2])
    checked = [line for line in html.split("<div>") if "checked" in line]
    assert len(checked) == 1 and 'value="2"' in checked[0]
