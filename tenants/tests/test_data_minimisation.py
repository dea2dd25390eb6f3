"""Data minimisation: the app stores the languages a household wants to be served in and nothing about its
origin, and every free-text field about a household says what not to write in it."""

import re

import pytest
from django.apps import apps
from django.utils import translation

from visits.models import NOTES_HINT, ChangeRequest, FollowUp, VisitLog

# Words for what the programme must not record (the Swedish data-protection authority has ruled against a
# housing company that did): ethnicity, nationality, religion, health, "language difficulties".
FORBIDDEN = re.compile(
    r"ethnic|nationalit|national_origin|citizen|religio|faith|belief|race|racial|origin|birth|country|"
    r"skin|tribe|clan|health|disab|diagnos|difficult|proficien|swedish_level|speaks_swedish|understands_swedish"
)


def stored_field_names() -> list[tuple[str, str]]:
    """(model, field) for every column and many-to-many of the apps that hold households' data, the history
    tables included. Reverse relations are left out: they are other models' fields, checked there."""
    names = []
    for label in ("tenants", "visits", "messaging"):
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if field.concrete or (field.many_to_many and not field.auto_created):
                    names.append((model._meta.label, field.name))
    return names


def test_it_finds_the_fields_it_guards():
    names = stored_field_names()

    assert ("tenants.Household", "contact_name") in names
    assert ("tenants.Household", "languages") in names
    assert ("visits.VisitLog", "notes") in names


@pytest.mark.parametrize("name", ["ethnicity", "nationality", "religion", "language_difficulties", "country_of_birth"])
def test_the_guard_recognises_what_must_not_be_stored(name):
    assert FORBIDDEN.search(name)


def test_no_model_stores_origin_religion_health_or_language_difficulties():
    offending = [f"{model}.{name}" for model, name in stored_field_names() if FORBIDDEN.search(name.lower())]

    assert offending == [], "Store only what the programme needs: the languages a household wants to be served in."


@pytest.mark.parametrize("field", [VisitLog._meta.get_field("notes"), FollowUp._meta.get_field("note")])
def test_the_notes_fields_warn_what_not_to_write_and_that_they_are_deleted(field):
    assert field.help_text is NOTES_HINT
    with translation.override("en"):
        assert str(field.help_text) == (
            "Write only what the programme needs; no health, religion or ethnicity. "
            "Notes are deleted with the household's data after the retention period."
        )


def test_what_a_household_writes_says_that_it_is_deleted_after_the_retention_period():
    with translation.override("en"):
        assert "retention period" in str(ChangeRequest._meta.get_field("message").help_text)
