"""LongSelect draws the same <select> as Django's Select, only faster."""

import re

from django import forms

from hemkunskap.widgets import LongSelect

CHOICES = [("", "Alla områden"), ("1", "Hageby"), ("2", 'Ektorp & "Navestad" <script>')]


def options(html: str) -> list[tuple[str, bool, str]]:
    return [
        (value, bool(selected.strip()), label)
        for value, selected, label in re.findall(r'<option value="([^"]*)"([^>]*)>([^<]*)</option>', html)
    ]


def test_it_draws_the_same_options_as_django_select_with_the_value_chosen_and_labels_escaped():
    for value in (None, "", "2", 2):
        ours = LongSelect(attrs={"class": "form-select"}, choices=CHOICES).render("district", value, {"id": "d"})
        django = forms.Select(attrs={"class": "form-select"}, choices=CHOICES).render("district", value, {"id": "d"})
        assert options(ours) == options(django)
        assert 'name="district"' in ours and 'id="d"' in ours and 'class="form-select"' in ours
    assert "<script>" not in ours
