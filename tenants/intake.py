"""One move-in as the property system describes it – a row of an imported file or an API request – checked
into a `MoveInRecord` and saved by its contract number: new, updated or unchanged.

Both ways in share this module, so a value accepted (or refused, with the same words) by one is accepted
(or refused) by the other. Cleaning is pure apart from the lookups passed in (`Lookups`), so a file of
thousands of rows costs two queries for languages and districts, not two per row.
"""

import datetime
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import TextChoices
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from languages.lookup import LanguageIndex, split_languages
from tenants.models import District, MoveIn
from tenants.services import Address, contract_number_taken_message, save_move_in
from tenants.validators import normalise_phone, normalise_postal_code

MAX_HOUSEHOLD_SIZE = 30
SWEDISH_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "mars": 3, "mar": 3, "april": 4, "apr": 4, "maj": 5,
    "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augusti": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "okt": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
NUMERIC_DATE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./ ](\d{4})$")  # 1/12/2026, 01.12.2026, 1/12 2026
WORDED_DATE = re.compile(r"^(\d{1,2})\s+([a-zåäö]+)\.?\s+(\d{4})$")  # 1 december 2026, 1 dec. 2026
YES = {"ja", "j", "yes", "y", "true", "sant", "1", "x"}
NO = {"nej", "n", "no", "false", "falskt", "0", ""}

MAX_LENGTHS = {
    "contract_number": 50,
    "case_number": 50,
    "street_address": 200,
    "district": 100,
    "apartment_number": 20,
    "contact_name": 200,
    "email": 254,
}


class Fate(TextChoices):
    NEW = "new", gettext_lazy("New")
    UPDATED = "updated", gettext_lazy("Updated")
    UNCHANGED = "unchanged", gettext_lazy("Unchanged")
    REJECTED = "rejected", gettext_lazy("Rejected")


@dataclass(frozen=True)
class MoveInRecord:
    contract_number: str
    move_in_date: datetime.date
    street_address: str
    postal_code: str
    district: str
    apartment_number: str
    contact_name: str
    phone: str
    email: str
    household_size: int
    languages: tuple[str, ...]
    wants_interpreter: bool


RECORD_FIELDS = tuple(field.name for field in fields(MoveInRecord))


@dataclass
class Lookups:
    """What cleaning looks up, loaded once per request or file."""

    languages: LanguageIndex
    districts: dict[str, District]  # by casefolded name

    @classmethod
    def load(cls) -> "Lookups":
        return cls(
            languages=LanguageIndex.load(),
            districts={district.name.casefold(): district for district in District.objects.all()},
        )


# --- Cleaning ----------------------------------------------------------------------------------------


def clean_record(values: Mapping[str, object], lookups: Lookups) -> MoveInRecord:
    """The record, or ValidationError with a message per field ({field: [message, ...]})."""
    return MoveInRecord(**clean_fields(values, CLEANERS, lookups))


# A cleaner takes the raw value (a file's cell or a JSON value) and what was looked up for the whole file.
Cleaner = Callable[[object, Any], object]


def clean_fields(values: Mapping[str, object], cleaners: Mapping[str, Cleaner], lookups: object) -> dict[str, object]:
    """Every field cleaned, or ValidationError with a message per field ({field: [message, ...]}): a row
    is told all that is wrong with it at once. Shared by every kind of record (tenants.outcomes too)."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, object] = {}
    for name, clean in cleaners.items():
        try:
            cleaned[name] = clean(values.get(name), lookups)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def text_cleaner(name: str, *, required: bool) -> Cleaner:
    """Text on one line, at most MAX_LENGTHS[name] characters."""

    def clean(value: object, _lookups: object) -> str:
        text = as_text(value)
        if required and not text:
            raise ValidationError(_("This field is required."), code="required")
        limit = MAX_LENGTHS.get(name)
        if limit and len(text) > limit:
            raise ValidationError(
                _("At most %(limit)s characters (this has %(length)s).") % {"limit": limit, "length": len(text)},
                code="max_length",
            )
        if any(ord(char) < 32 for char in text):
            raise ValidationError(_("Contains control characters; write it on one line."), code="control")
        return text

    return clean


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a contract or apartment number that a spreadsheet stored as a number
    return str(value).strip()


def clean_date(value: object, _lookups: Lookups | None = None) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = as_text(value).lower()
    if not text:
        raise ValidationError(_("This field is required."), code="required")
    try:
        return datetime.date.fromisoformat(text[:10] if len(text) > 10 and text[10] in " T" else text)
    except ValueError:
        pass
    if match := NUMERIC_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
    elif (match := WORDED_DATE.match(text)) and match.group(2) in SWEDISH_MONTHS:
        day, month, year = int(match.group(1)), SWEDISH_MONTHS[match.group(2)], int(match.group(3))
    else:
        raise ValidationError(
            _("“%(value)s” is not a date. Write it as 2026-12-01 (or 1/12/2026, 1 december 2026).")
            % {"value": as_text(value)},
            code="invalid_date",
        )
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValidationError(
            _("“%(value)s” is not a date in the calendar.") % {"value": as_text(value)}, code="invalid_date"
        ) from None


def _postal_code(value: object, _lookups: Lookups) -> str:
    text = as_text(value)
    if not text:
        raise ValidationError(_("This field is required."), code="required")
    return normalise_postal_code(text)


def _district(value: object, lookups: Lookups) -> str:
    text = text_cleaner("district", required=False)(value, lookups)
    if text and text.casefold() not in lookups.districts:
        raise ValidationError(
            _("Unknown district “%(name)s”. Known districts: %(known)s. A new district is added in the admin.")
            % {"name": text, "known": ", ".join(sorted(d.name for d in lookups.districts.values())) or "–"},
            code="unknown_district",
        )
    return lookups.districts[text.casefold()].name if text else ""


def _phone(value: object, _lookups: Lookups) -> str:
    text = as_text(value)
    if isinstance(value, int | float) and not text.startswith("0"):
        text = "0" + text  # 0701234567 typed into a spreadsheet cell loses its leading zero
    return normalise_phone(text)


def _email(value: object, _lookups: Lookups) -> str:
    text = text_cleaner("email", required=False)(value, _lookups)
    if text:
        try:
            validate_email(text)
        except ValidationError:
            raise ValidationError(
                _("“%(value)s” is not an e-mail address.") % {"value": text}, code="invalid_email"
            ) from None
    return text.lower()


def _household_size(value: object, _lookups: Lookups) -> int:
    text = as_text(value)
    if not text:
        return 1
    try:
        size = int(text)
    except ValueError:
        raise ValidationError(
            _("“%(value)s” is not a number of people.") % {"value": text}, code="invalid_size"
        ) from None
    if not 1 <= size <= MAX_HOUSEHOLD_SIZE:
        raise ValidationError(
            _("The number of people must be between 1 and %(max)s.") % {"max": MAX_HOUSEHOLD_SIZE},
            code="invalid_size",
        )
    return size


def _languages(value: object, lookups: Lookups) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        if not all(isinstance(entry, str) for entry in value):
            raise ValidationError(_("Give the languages as a list of ISO 639 codes."), code="invalid_languages")
        entries = [entry for entry in value if entry.strip()]
    else:
        entries = split_languages(as_text(value))
    if not entries:
        raise ValidationError(_("Give at least one language the household wants to be served in."), code="required")
    resolved = lookups.languages.resolve(entries)
    if resolved.unknown:
        raise ValidationError(
            _("Unknown language: %(entries)s. Use an ISO 639 code (ar, so, ti) or a Swedish name (arabiska).")
            % {"entries": ", ".join(resolved.unknown)},
            code="unknown_language",
        )
    return tuple(resolved.codes)


def clean_yes_no(value: object, _lookups: Lookups | None = None) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = as_text(value).casefold()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValidationError(_("“%(value)s” is neither yes nor no.") % {"value": as_text(value)}, code="invalid_bool")


CLEANERS = {
    "contract_number": text_cleaner("contract_number", required=True),
    "move_in_date": clean_date,
    "street_address": text_cleaner("street_address", required=True),
    "postal_code": _postal_code,
    "district": _district,
    "apartment_number": text_cleaner("apartment_number", required=True),
    "contact_name": text_cleaner("contact_name", required=True),
    "phone": _phone,
    "email": _email,
    "household_size": _household_size,
    "languages": _languages,
    "wants_interpreter": clean_yes_no,
}
assert tuple(CLEANERS) == RECORD_FIELDS


# --- Saving by contract number -----------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    fate: Fate
    move_in: MoveIn
    changed: tuple[str, ...] = ()  # record fields that differ from what was stored
    reassigning: bool = False  # sent back to be assigned: the change moved its visit


def stored_record(move_in: MoveIn) -> MoveInRecord:
    """What is stored, in the record's terms, to compare an incoming record with."""
    household, apartment = move_in.household, move_in.apartment
    building = apartment.building
    return MoveInRecord(
        contract_number=move_in.contract_number,
        move_in_date=move_in.move_in_date,
        street_address=building.street_address,
        postal_code=building.postal_code,
        district=building.district.name,
        apartment_number=apartment.number,
        contact_name=household.contact_name,
        phone=household.phone,
        email=household.email,
        household_size=household.size,
        languages=tuple(household.language_codes()),
        wants_interpreter=household.wants_interpreter,
    )


def differences(stored: MoveInRecord, incoming: MoveInRecord) -> tuple[str, ...]:
    changed = []
    for name in RECORD_FIELDS:
        old, new = getattr(stored, name), getattr(incoming, name)
        if name == "district" and not new:
            continue  # a file without the district column says nothing about it
        if name in ("street_address", "contract_number") and old.casefold() == new.casefold():
            continue  # found by these case-insensitively: a change of case alone is no change
        if old != new:
            changed.append(name)
    return tuple(changed)


def find_move_in(contract_number: str, *, lock: bool = False) -> MoveIn | None:
    queryset = MoveIn.objects.select_related("household", "apartment__building__district").prefetch_related(
        "household__language_preferences"
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.filter(contract_number__iexact=contract_number).first()


def save_record(
    record: MoveInRecord, lookups: Lookups, *, enqueue: bool = True, given: Collection[str] | None = None
) -> Outcome:
    """Create or correct the move-in with the record's contract number. Unchanged: nothing is written.
    `given` names the fields the source actually holds (a file's columns); an existing move-in keeps its
    stored values for the others – a file without an interpreter column says nothing about interpreters.
    ValidationError (per field) saves nothing."""
    try:
        return _save_record(record, lookups, enqueue=enqueue, given=given)
    except ValidationError as error:
        raise _in_record_terms(error) from None
    except IntegrityError as error:
        # The same new contract number saved by two requests at once: the second finds the first's.
        existing = find_move_in(record.contract_number)
        if existing is None:
            raise
        if differences(stored_record(existing), record):
            raise ValidationError({"contract_number": contract_number_taken_message()}, code="unique") from error
        return Outcome(Fate.UNCHANGED, existing)


# The models' names for the record's fields, in errors from their full_clean().
MODEL_TO_RECORD_FIELD = {"size": "household_size", "number": "apartment_number", "__all__": "contract_number"}


def _in_record_terms(error: ValidationError) -> ValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {MODEL_TO_RECORD_FIELD.get(name, name): messages for name, messages in error.message_dict.items()}
    )


@transaction.atomic
def _save_record(record: MoveInRecord, lookups: Lookups, *, enqueue: bool, given: Collection[str] | None) -> Outcome:
    existing = find_move_in(record.contract_number, lock=True)
    changed: tuple[str, ...] = ()
    if existing is not None and existing.household.anonymised_at is not None:
        # Its personal data was removed after the retention period (tenants.retention): a file or system
        # sending the old row again must not bring it back.
        raise ValidationError(
            {"contract_number": _("This move-in's personal data was removed after the retention period.")},
            code="anonymised",
        )
    if existing is not None:
        stored = stored_record(existing)
        if given is not None:
            record = replace(record, **{name: getattr(stored, name) for name in RECORD_FIELDS if name not in given})
        changed = differences(stored, record)
        if not changed:
            return Outcome(Fate.UNCHANGED, existing)
    household_fields = {
        "contact_name": record.contact_name,
        "phone": record.phone,
        "email": record.email,
        "size": record.household_size,
        "wants_interpreter": record.wants_interpreter,
    }
    district = lookups.districts.get(record.district.casefold()) if record.district else None
    saved = save_move_in(
        move_in=existing,
        household_fields=household_fields,
        language_codes=record.languages,
        address=Address(
            street_address=record.street_address,
            postal_code=record.postal_code,
            city="",
            district=district,
            apartment_number=record.apartment_number,
        ),
        move_in_date=record.move_in_date,
        contract_number=existing.contract_number if existing else record.contract_number,
        enqueue=enqueue,
    )
    if saved.created:
        return Outcome(Fate.NEW, saved.move_in)
    return Outcome(Fate.UPDATED, saved.move_in, changed=changed, reassigning=saved.reassigning)


@transaction.atomic
def register_new(record: MoveInRecord, lookups: Lookups) -> tuple[Fate | None, MoveIn, tuple[str, ...]]:
    """Register a move-in the way the API's POST does, which never overwrites: (NEW, move_in, ()) when
    saved; (UNCHANGED, existing, ()) when the contract number is there with the same data; (None, existing,
    changed fields) when it is there with other data (corrections go through save_record)."""
    existing = find_move_in(record.contract_number, lock=True)
    if existing is None:
        try:
            outcome = save_record(record, lookups)
        except ValidationError:
            # The same contract number saved by another request at this very moment.
            existing = find_move_in(record.contract_number)
            if existing is None:
                raise
        else:
            return outcome.fate, outcome.move_in, outcome.changed
    changed = differences(stored_record(existing), record)
    return (None if changed else Fate.UNCHANGED), existing, changed
