"""Whatever a property system sends, cleaning a move-in answers with a record or with messages per field,
never with another exception (which would be a 500 in the API and a lost row in an import)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from languages.lookup import LanguageIndex
from tenants.intake import RECORD_FIELDS, Lookups, MoveInRecord, clean_date, clean_record
from tenants.models import District

LANGUAGE_ROWS = [
    ("ar", "ara", "arabiska", "Arabic", "العربية"),
    ("so", "som", "somaliska", "Somali", "Soomaali"),
    ("ti", "tir", "tigrinja", "Tigrinya", "ትግርኛ"),
]
LOOKUPS = Lookups(languages=LanguageIndex(LANGUAGE_ROWS), districts={"hageby": District(id=1, name="Hageby")})

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
cell_values = (
    st.none() | st.text(max_size=300) | st.integers() | st.floats() | st.booleans() | st.dates() | st.datetimes()
)


@given(st.dictionaries(st.sampled_from(RECORD_FIELDS), json_values | cell_values))
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_any_input_gives_a_record_or_messages_per_field(values):
    try:
        record = clean_record(values, LOOKUPS)
    except ValidationError as error:
        assert set(error.message_dict) <= set(RECORD_FIELDS)
        assert all(
            isinstance(message, str) and message for messages in error.message_dict.values() for message in messages
        )
    else:
        assert isinstance(record, MoveInRecord)
        assert record.languages and set(record.languages) <= {"ar", "so", "ti"}


@given(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2200, 12, 31)))
def test_every_way_a_swedish_file_writes_a_date_reads_as_that_date(day):
    months = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
              "november", "december"]  # fmt: skip
    for text in (
        day.isoformat(),
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day:02d}.{day.month:02d}.{day.year}",
        f"{day.day} {months[day.month - 1]} {day.year}",
        f"{day.isoformat()} 00:00:00",
    ):
        assert clean_date(text) == day


@pytest.mark.parametrize("text", ["2026-02-30", "30/2/2026", "31 juni 2026", "igår", "2026/13/01", "1e6"])
def test_a_date_that_is_not_in_the_calendar_is_named_in_the_message(text):
    with pytest.raises(ValidationError) as raised:
        clean_date(text)
    assert text in raised.value.messages[0]
