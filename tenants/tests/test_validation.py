"""What the property system sends us is checked before it is stored: phone numbers, postal codes,
move-in dates, contract numbers and languages."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from tenants.models import Household, HouseholdLanguage, MoveIn
from tenants.services import register_move_in, set_household_languages
from tenants.validators import normalise_phone, normalise_postal_code

TODAY = datetime.date(2025, 5, 26)


@pytest.fixture(autouse=True)
def english():
    # The messages are asserted as written in the source, whatever translations are compiled.
    with translation.override("en"):
        yield


@pytest.fixture
def frozen_clock(time_machine):
    time_machine.move_to(datetime.datetime(2025, 5, 26, 8, tzinfo=datetime.UTC), tick=False)


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("070-123 45 67", "+46701234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("0046 70 123 45 67", "+46701234567"),
        ("08-123 456 78", "+46812345678"),
        ("  ", ""),
    ],
)
def test_it_stores_phone_numbers_in_e164_however_they_are_written(written, stored):
    assert normalise_phone(written) == stored


@pytest.mark.parametrize("written", ["abc", "123"])
def test_it_rejects_what_is_not_a_phone_number_with_a_message(written):
    with pytest.raises(ValidationError) as error:
        normalise_phone(written)

    assert error.value.messages == [f"“{written}” is not a phone number."]


@pytest.mark.parametrize(("written", "stored"), [("60223", "602 23"), ("602 23", "602 23"), (" 60223 ", "602 23")])
def test_it_writes_postal_codes_the_swedish_way(written, stored):
    assert normalise_postal_code(written) == stored


@pytest.mark.parametrize("written", ["6022", "602233", "60 223", "abcde", ""])
def test_it_rejects_what_is_not_a_postal_code_with_a_message(written):
    with pytest.raises(ValidationError) as error:
        normalise_postal_code(written)

    assert error.value.messages == [f"“{written.strip()}” is not a Swedish postal code (five digits, e.g. 602 23)."]


@pytest.mark.parametrize("years", [30, -30])
def test_it_rejects_a_move_in_date_decades_away(frozen_clock, household, apartment, years):
    move_in = MoveIn(
        household=household,
        apartment=apartment,
        move_in_date=TODAY.replace(year=TODAY.year + years),
        contract_number="K-2025-0001",
    )

    with pytest.raises(ValidationError) as error:
        move_in.full_clean()

    assert error.value.message_dict["move_in_date"] == [
        "The move-in date must be within five years of today. Check the year."
    ]


def test_it_registers_a_move_in_dated_within_five_years(frozen_clock, household, apartment):
    register_move_in(
        household=household, apartment=apartment, move_in_date=datetime.date(2030, 5, 1), contract_number="K-1"
    )

    assert MoveIn.objects.get(contract_number="K-1").move_in_date == datetime.date(2030, 5, 1)


def test_it_rejects_a_duplicate_contract_number_in_the_form_and_in_the_database(frozen_clock, household, apartment):
    MoveIn.objects.create(household=household, apartment=apartment, move_in_date=TODAY, contract_number="K-1")
    duplicate = MoveIn(household=household, apartment=apartment, move_in_date=TODAY, contract_number="K-1")

    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert list(error.value.message_dict) == ["contract_number"]

    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    assert MoveIn.objects.filter(contract_number="K-1").count() == 1


def test_the_database_rejects_a_blank_contract_number(household, apartment):
    blank = MoveIn(household=household, apartment=apartment, move_in_date=TODAY, contract_number="")

    with (
        pytest.raises(IntegrityError, match=r"movein_contract_number_not_blank|CHECK constraint failed"),
        transaction.atomic(),
    ):
        blank.save()

    assert not MoveIn.objects.exists()


def test_it_stores_household_languages_in_order_of_preference(household):
    set_household_languages(household=household, codes=[" SO ", "ar", "so", ""])

    assert list(HouseholdLanguage.objects.filter(household=household).values_list("language", "rank")) == [
        ("so", 1),
        ("ar", 2),
    ]


def test_it_rejects_unknown_language_codes_naming_them_and_saves_nothing(household):
    set_household_languages(household=household, codes=["ar"])

    with pytest.raises(ValidationError) as error:
        set_household_languages(household=household, codes=["so", "xx", "zz"])

    assert error.value.message_dict == {"languages": ["Unknown language code: xx, zz."]}
    assert Household.objects.get(id=household.id).language_codes() == ["ar"]
