"""Outcomes from the property system – disturbance cases, move-out inspections, tenant survey answers – as a
row of an imported file or an API request: checked into a record and saved by its key, new, updated or
unchanged, exactly as move-ins are (tenants.intake, whose cleaners and words this module reuses).

Each outcome names its move-in by the contract number. The rules that hold for every kind:

- The contract number must be known (the move-in is imported first) and its household not anonymised: an
  old row sent again must not attach new facts to a household whose data was removed.
- The outcome's date is not before the move-in and not in the future.
- Keys: a disturbance case by its case number, a move-out inspection by its move-in (one each), a survey
  answer by its move-in and day. The same row again writes nothing; other values correct the stored row.

What the records hold is dates, categories, amounts and scores – no names, no free text – so they outlive
the household's anonymisation (tenants.retention) and the impact statistics with them.
"""

import datetime
import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tenants.import_files import HEADING_ALIASES, FileLayout, word_key
from tenants.intake import (
    Cleaner,
    Fate,
    as_text,
    clean_date,
    clean_fields,
    clean_yes_no,
    text_cleaner,
)
from tenants.models import DisturbanceCase, MoveIn, MoveOutInspection, SurveyAnswer

SCORE_FIELDS = ("satisfaction", "apartment_score", "shared_areas_score", "safety_score", "service_score")
MAX_DAMAGE_COST = 10_000_000  # kronor: more is a typo (a cost in öre, a year in the wrong column)

# What property systems and people call each category, matched case- and punctuation-insensitively.
CATEGORY_WORDS = {
    DisturbanceCase.Category.NOISE: ("noise", "buller", "ljud", "oljud", "störande ljud"),
    DisturbanceCase.Category.SHARED_AREAS: (
        "shared areas",
        "shared_areas",
        "gemensamma utrymmen",
        "gemensamt utrymme",
        "gemensamma ytor",
        "trapphus",
    ),
    DisturbanceCase.Category.WASTE: ("waste", "avfall", "sophantering", "sopor", "soprum", "källsortering"),
    DisturbanceCase.Category.OTHER: ("other", "övrigt", "övrig", "annat"),
}


_CATEGORY_BY_WORD = {word_key(word): category for category, words in CATEGORY_WORDS.items() for word in words}


# --- Records --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DisturbanceRecord:
    contract_number: str
    case_number: str
    reported_on: datetime.date
    category: str
    justified: bool


@dataclass(frozen=True)
class InspectionRecord:
    contract_number: str
    inspected_on: datetime.date
    damage_cost: int


@dataclass(frozen=True)
class SurveyRecord:
    contract_number: str
    answered_on: datetime.date
    satisfaction: int
    apartment_score: int | None
    shared_areas_score: int | None
    safety_score: int | None
    service_score: int | None


OutcomeRecord = DisturbanceRecord | InspectionRecord | SurveyRecord


# --- Cleaning: the same words for the same mistakes in a file and in the API --------------------------


def clean_outcome_date(value: object, _lookups: object = None) -> datetime.date:
    day = clean_date(value)
    if day > timezone.localdate():
        raise ValidationError(_("The date %(date)s is in the future.") % {"date": day.isoformat()}, code="future_date")
    return day


def clean_category(value: object, _lookups: object = None) -> str:
    text = as_text(value)
    if not text:
        raise ValidationError(_("This field is required."), code="required")
    category = _CATEGORY_BY_WORD.get(word_key(text))
    if category is None:
        raise ValidationError(
            _("Unknown category “%(value)s”. Use noise, shared areas, waste or other.") % {"value": text},
            code="invalid_category",
        )
    return category.value


def clean_justified(value: object, _lookups: object = None) -> bool:
    if value is None or as_text(value) == "":
        raise ValidationError(_("Say whether the complaint was justified: yes or no."), code="required")
    return clean_yes_no(value)


# "12 500 kr", "12500,00", "12.500", "12 500:-", "SEK 12500"
_KRONOR_NOISE = re.compile(r"(?i)\s|kr\.?|kronor|sek|:-")
_PLAIN_AMOUNT = re.compile(r"^\d+(?:[.,]\d{1,2})?$")
_GROUPED_AMOUNT = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?$")  # 12.500,00: dots group thousands


def clean_damage_cost(value: object, _lookups: object = None) -> int:
    """Whole kronor, rounded (öre are no part of a damage estimate)."""
    if isinstance(value, bool):
        raise ValidationError(_("Give the damage cost in kronor, e.g. 12 500."), code="invalid_amount")
    if isinstance(value, int | float | Decimal):
        amount = Decimal(str(value))
    else:
        text = as_text(value)
        if not text:
            raise ValidationError(_("This field is required."), code="required")
        compact = _KRONOR_NOISE.sub("", text.replace("\u00a0", "").replace("\u202f", ""))
        negative = compact.startswith(("-", "−"))
        compact = compact.lstrip("-−")
        if _GROUPED_AMOUNT.match(compact):
            compact = compact.replace(".", "")
        if not _PLAIN_AMOUNT.match(compact):
            raise ValidationError(
                _("“%(value)s” is not an amount in kronor. Write it as 12 500 or 12500,00.") % {"value": text},
                code="invalid_amount",
            )
        amount = Decimal(compact.replace(",", "."))
        if negative:
            amount = -amount
    try:
        kronor = int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:  # NaN or infinity from a float cell
        raise ValidationError(_("Give the damage cost in kronor, e.g. 12 500."), code="invalid_amount") from None
    if kronor < 0:
        raise ValidationError(_("The damage cost cannot be negative; 0 means normal wear only."), code="negative")
    if kronor > MAX_DAMAGE_COST:
        raise ValidationError(
            _("%(value)s kronor is more than a damage cost can be. Check the amount.") % {"value": kronor},
            code="too_large",
        )
    return kronor


def score_cleaner(*, required: bool) -> Cleaner:
    def clean(value: object, _lookups: object = None) -> int | None:
        text = as_text(value)
        if not text:
            if required:
                raise ValidationError(_("This field is required."), code="required")
            return None
        score: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            score = value
        elif re.fullmatch(r"\d{1,2}(?:[.,]0+)?", text):
            score = int(re.split(r"[.,]", text)[0])
        if score is None or not 1 <= score <= 10:
            raise ValidationError(_("“%(value)s” is not a score from 1 to 10.") % {"value": text}, code="invalid_score")
        return score

    return clean


# --- The three kinds -----------------------------------------------------------------------------------

ROWS_EMPTY = gettext_lazy("The file holds no rows under its headings.")
ROWS_TOO_MANY = gettext_lazy(
    "The file has %(count)s rows, but at most %(limit)s rows can be imported at once. Split it into smaller files."
)
ROWS_MORE_THAN = gettext_lazy(
    "The file has more than %(limit)s rows, but at most %(limit)s rows can be imported at once. "
    "Split it into smaller files."
)
CONTRACT_LABEL = gettext_lazy("contract number")
DATE_ALIASES = ("datum", "date")


def _layout(labels: dict[str, str | Promise], aliases: dict[str, tuple[str, ...]], optional: tuple[str, ...] = ()):
    names = tuple(labels)
    return FileLayout(
        fields=names,
        required=tuple(name for name in names if name not in optional),
        labels=labels,
        aliases={"contract_number": HEADING_ALIASES["contract_number"], **aliases},
        empty_message=ROWS_EMPTY,
        too_many_message=ROWS_TOO_MANY,
        more_than_message=ROWS_MORE_THAN,
    )


@dataclass(frozen=True)
class OutcomeKind:
    """One kind of outcome: its file layout, how each field is cleaned, its record and model, how a stored
    row is found for a record, and how two rows of one file are told to be the same."""

    model: type[models.Model]
    record: type
    layout: FileLayout
    cleaners: Mapping[str, Cleaner]
    date_field: str
    # The stored row a record is about, given its move-in: filter() arguments.
    lookup: Callable[[Any, MoveIn], dict[str, object]]
    # Rows of one file with the same key are one outcome twice; the second is refused naming the first.
    key: Callable[[Any], Hashable]
    key_field: str
    duplicate_message: str | Promise  # with %(row)s

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(field.name for field in fields(self.record))

    def clean(self, values: Mapping[str, object], _lookups: object = None) -> OutcomeRecord:
        """The record, or ValidationError with a message per field."""
        return self.record(**clean_fields(values, self.cleaners, None))

    def stored(self, row: models.Model) -> OutcomeRecord:
        return self.record(
            contract_number=row.move_in.contract_number,  # type: ignore[attr-defined]
            **{name: getattr(row, name) for name in self.fields if name != "contract_number"},
        )


DISTURBANCE_CASES = OutcomeKind(
    model=DisturbanceCase,
    record=DisturbanceRecord,
    layout=_layout(
        {
            "contract_number": CONTRACT_LABEL,
            "case_number": gettext_lazy("case number"),
            "reported_on": gettext_lazy("date"),
            "category": gettext_lazy("category"),
            "justified": gettext_lazy("justified"),
        },
        {
            "case_number": ("ärendenummer", "ärendenr", "ärende", "ärende id", "case no", "case"),
            "reported_on": (*DATE_ALIASES, "anmäld", "anmälningsdatum", "inkom", "reported"),
            "category": ("kategori", "typ", "störningstyp", "type"),
            "justified": ("befogad", "befogat", "befogad ja nej"),
        },
    ),
    cleaners={
        "contract_number": text_cleaner("contract_number", required=True),
        "case_number": text_cleaner("case_number", required=True),
        "reported_on": clean_outcome_date,
        "category": clean_category,
        "justified": clean_justified,
    },
    date_field="reported_on",
    lookup=lambda record, _move_in: {"case_number": record.case_number},
    key=lambda record: record.case_number,
    key_field="case_number",
    duplicate_message=gettext_lazy("The case number is also on row %(row)s; each case once, please."),
)

MOVE_OUT_INSPECTIONS = OutcomeKind(
    model=MoveOutInspection,
    record=InspectionRecord,
    layout=_layout(
        {
            "contract_number": CONTRACT_LABEL,
            "inspected_on": gettext_lazy("date"),
            "damage_cost": gettext_lazy("damage cost"),
        },
        {
            "inspected_on": (*DATE_ALIASES, "besiktningsdatum", "besiktigad", "besiktning", "inspection date"),
            "damage_cost": ("skadekostnad", "skadekostnad kr", "kostnad", "skador", "cost", "damage"),
        },
    ),
    cleaners={
        "contract_number": text_cleaner("contract_number", required=True),
        "inspected_on": clean_outcome_date,
        "damage_cost": clean_damage_cost,
    },
    date_field="inspected_on",
    lookup=lambda _record, move_in: {"move_in": move_in},
    key=lambda record: record.contract_number.casefold(),
    key_field="contract_number",
    duplicate_message=gettext_lazy(
        "This contract's move-out inspection is also on row %(row)s; each inspection once, please."
    ),
)

SURVEY_ANSWERS = OutcomeKind(
    model=SurveyAnswer,
    record=SurveyRecord,
    layout=_layout(
        {
            "contract_number": CONTRACT_LABEL,
            "answered_on": gettext_lazy("date"),
            "satisfaction": gettext_lazy("overall satisfaction"),
            "apartment_score": gettext_lazy("the apartment"),
            "shared_areas_score": gettext_lazy("shared areas"),
            "safety_score": gettext_lazy("safety"),
            "service_score": gettext_lazy("service"),
        },
        {
            "answered_on": (*DATE_ALIASES, "svarsdatum", "besvarad", "answered"),
            "satisfaction": ("nöjdhet", "nöjdhet totalt", "helhetsbetyg", "totalt", "nöjd", "overall"),
            "apartment_score": ("lägenheten", "lägenhet", "apartment"),
            "shared_areas_score": ("gemensamma utrymmen", "gemensamt", "shared areas"),
            "safety_score": ("trygghet", "safety"),
            "service_score": ("service",),
        },
        optional=("apartment_score", "shared_areas_score", "safety_score", "service_score"),
    ),
    cleaners={
        "contract_number": text_cleaner("contract_number", required=True),
        "answered_on": clean_outcome_date,
        "satisfaction": score_cleaner(required=True),
        **{name: score_cleaner(required=False) for name in SCORE_FIELDS[1:]},
    },
    date_field="answered_on",
    lookup=lambda record, move_in: {"move_in": move_in, "answered_on": record.answered_on},
    key=lambda record: (record.contract_number.casefold(), record.answered_on),
    key_field="answered_on",
    duplicate_message=gettext_lazy(
        "This contract has another answer of the same day on row %(row)s; each answer once, please."
    ),
)

OUTCOME_KINDS = (DISTURBANCE_CASES, MOVE_OUT_INSPECTIONS, SURVEY_ANSWERS)


# --- Saving by key ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavedOutcome:
    fate: Fate | None  # None: the key is taken with other values and overwriting was not asked for
    row: models.Model
    move_in: MoveIn
    changed: tuple[str, ...] = ()


def differences(stored: OutcomeRecord, incoming: OutcomeRecord) -> tuple[str, ...]:
    changed = []
    for field in fields(stored):
        old, new = getattr(stored, field.name), getattr(incoming, field.name)
        if field.name == "contract_number" and old.casefold() == new.casefold():
            continue
        if old != new:
            changed.append(field.name)
    return tuple(changed)


def save_outcome(kind: OutcomeKind, record: OutcomeRecord, *, overwrite: bool = True) -> SavedOutcome:
    """Create or correct the outcome with the record's key; unchanged: nothing is written. With
    overwrite=False (the API's POST) a stored row with other values is left alone and returned with fate
    None. ValidationError (per field) saves nothing."""
    try:
        return _save_outcome(kind, record, overwrite=overwrite)
    except IntegrityError:
        # The same new key saved by another request at this very moment: the second finds the first's.
        return _save_outcome(kind, record, overwrite=overwrite)


@transaction.atomic
def _save_outcome(kind: OutcomeKind, record: OutcomeRecord, *, overwrite: bool) -> SavedOutcome:
    move_in = MoveIn.objects.select_related("household").filter(contract_number__iexact=record.contract_number).first()
    if move_in is None:
        raise ValidationError(
            {
                "contract_number": _("Contract number %(contract)s is not known. Import the move-in first.")
                % {"contract": record.contract_number}
            },
            code="unknown_contract",
        )
    if move_in.household.anonymised_at is not None:
        raise ValidationError(
            {
                "contract_number": _(
                    "The household of contract number %(contract)s was anonymised after the retention period; "
                    "nothing more is recorded about it."
                )
                % {"contract": move_in.contract_number}
            },
            code="anonymised",
        )
    day: datetime.date = getattr(record, kind.date_field)
    if day < move_in.move_in_date:
        raise ValidationError(
            {
                kind.date_field: _("The date %(date)s is before the move-in on %(move_in)s.")
                % {"date": day.isoformat(), "move_in": move_in.move_in_date.isoformat()}
            },
            code="before_move_in",
        )
    existing = (
        kind.model.objects.select_for_update(of=("self",))
        .select_related("move_in")
        .filter(**kind.lookup(record, move_in))
        .first()
    )
    values = {name: getattr(record, name) for name in kind.fields if name != "contract_number"}
    if existing is None:
        row = kind.model(move_in=move_in, **values)
        fate: Fate | None = Fate.NEW
        changed: tuple[str, ...] = ()
    else:
        changed = differences(kind.stored(existing), record)
        if not changed:
            return SavedOutcome(Fate.UNCHANGED, existing, existing.move_in)  # type: ignore[attr-defined]
        if not overwrite:
            return SavedOutcome(None, existing, existing.move_in, changed)  # type: ignore[attr-defined]
        row, fate = existing, Fate.UPDATED
        row.move_in = move_in  # type: ignore[attr-defined]
        for name, value in values.items():
            setattr(row, name, value)
    # The cleaners checked every value; this checks them against the model's own validators too (never a
    # database error for a value the model would refuse). Uniqueness is the lookup's and the database's.
    try:
        row.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise ValidationError(
            {
                ("contract_number" if name in ("move_in", "__all__") else name): msgs
                for name, msgs in error.message_dict.items()
            }
        ) from None
    if fate == Fate.NEW:
        row.save()
    else:
        row.save(update_fields=[*values, "move_in", "updated_at"])
    if isinstance(row, MoveOutInspection):
        note_moved_out(row)
    return SavedOutcome(fate, row, move_in, changed)


def note_moved_out(inspection: MoveOutInspection) -> None:
    """A move-out inspection means the household moved out: when the property system has not said when,
    the inspection's day is the best date there is (retention counts from it, tenants.retention). A date
    already there – from the property system or a coordinator – is never overwritten."""
    MoveIn.objects.filter(id=inspection.move_in_id, moved_out_on__isnull=True).update(
        moved_out_on=inspection.inspected_on
    )
