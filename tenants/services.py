"""Writes about tenants: registering and correcting move-ins with their households, languages and
addresses. The coordinator's form, the file import and the API all save through `save_move_in`, so a
correction re-matches the visit the same way whichever way it arrives."""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from languages.models import Language
from tenants.models import Apartment, Building, District, Household, HouseholdLanguage, MoveIn


@transaction.atomic
def set_household_languages(*, household: Household, codes: Sequence[str]) -> None:
    """Replace the household's languages with `codes`, most preferred first."""
    codes = list(dict.fromkeys(code.strip().lower() for code in codes if code.strip()))
    known = set(Language.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [code for code in codes if code not in known]
    if unknown:
        raise ValidationError(
            {"languages": _("Unknown language code: %(codes)s.") % {"codes": ", ".join(unknown)}},
            code="unknown_language",
        )
    household.language_preferences.all().delete()
    HouseholdLanguage.objects.bulk_create(
        HouseholdLanguage(household=household, language_id=code, rank=rank) for rank, code in enumerate(codes, start=1)
    )


@transaction.atomic
def register_move_in(
    *,
    household: Household,
    apartment: Apartment,
    move_in_date: datetime.date,
    contract_number: str,
    enqueue: bool = True,
) -> MoveIn:
    """Save a new move-in and, once committed, send it to be assigned a visitor. With
    enqueue=False the caller sends it (an import sends its move-ins as one batch); the row
    awaits assignment either way, so the periodic sweep finds it if nobody does."""
    move_in = MoveIn(
        household=household, apartment=apartment, move_in_date=move_in_date, contract_number=contract_number
    )
    move_in.full_clean()
    move_in.save()
    if enqueue:
        from visits.services import request_assignment

        request_assignment(move_in_id=move_in.id)
    return move_in


# --- One move-in with its household and address --------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """Where the household moves in: an existing building and apartment, or new ones."""

    street_address: str
    postal_code: str
    city: str
    district: District | None
    apartment_number: str
    floor: int | None = None


HOUSEHOLD_FIELDS = ("contact_name", "phone", "email", "size", "wants_interpreter", "protected_identity")


@dataclass(frozen=True)
class Saved:
    move_in: MoveIn
    created: bool
    # The move-in went back to be assigned because what its visit was planned on changed.
    reassigning: bool = False


def save_move_in(
    *,
    move_in: MoveIn | None,
    household_fields: Mapping[str, object],
    language_codes: Sequence[str],
    address: Address,
    move_in_date: datetime.date,
    contract_number: str,
    enqueue: bool = True,
) -> Saved:
    """Register a new move-in (move_in=None) with a new household, or correct an existing one, in one
    transaction: the household, its languages in order, the building and apartment (found by address or
    created), the move-in. A new move-in is sent to be assigned once committed; a corrected one whose
    visit no longer fits (another date, other languages) is re-matched (visits.services.reassign). Any
    ValidationError saves nothing."""
    try:
        return _save_move_in(
            move_in=move_in,
            household_fields=household_fields,
            language_codes=language_codes,
            address=address,
            move_in_date=move_in_date,
            contract_number=contract_number,
            enqueue=enqueue,
        )
    except IntegrityError as error:
        # Two saves of the same contract number at once: the database decides, the caller says it.
        if MoveIn.objects.filter(contract_number=contract_number).exclude(id=getattr(move_in, "id", None)).exists():
            raise ValidationError({"contract_number": contract_number_taken_message()}, code="unique") from error
        raise


def contract_number_taken_message() -> str:
    return _("A move-in with this contract number already exists.")


@transaction.atomic
def _save_move_in(
    *,
    move_in: MoveIn | None,
    household_fields: Mapping[str, object],
    language_codes: Sequence[str],
    address: Address,
    move_in_date: datetime.date,
    contract_number: str,
    enqueue: bool,
) -> Saved:
    unknown = set(household_fields) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise TypeError(f"Not household fields: {sorted(unknown)}")
    household = move_in.household if move_in is not None else Household()
    old_languages = household.language_codes() if household.pk else []
    for name, value in household_fields.items():
        setattr(household, name, value)
    household.full_clean()
    if household.pk:
        household.save(update_fields=list(household_fields))
    else:
        household.save()
    new_languages = list(dict.fromkeys(language_codes))
    if new_languages != old_languages:
        set_household_languages(household=household, codes=new_languages)
    apartment = _apartment_at(address)
    if move_in is None:
        created = register_move_in(
            household=household,
            apartment=apartment,
            move_in_date=move_in_date,
            contract_number=contract_number,
            enqueue=enqueue,
        )
        return Saved(move_in=created, created=True)
    old_date = move_in.move_in_date
    move_in.apartment, move_in.move_in_date, move_in.contract_number = apartment, move_in_date, contract_number
    move_in.full_clean()
    # Only the fields the form edits: the worker writes the assignment fields of this row.
    move_in.save(update_fields=["apartment", "move_in_date", "contract_number"])
    reassigning = False
    if old_date != move_in_date or old_languages != new_languages:
        from visits.services import reassign_if_affected

        reassigning = reassign_if_affected(
            move_in_id=move_in.id,
            date_changed=old_date != move_in_date,
            languages_changed=old_languages != new_languages,
            enqueue=enqueue,
        )
    return Saved(move_in=move_in, created=False, reassigning=reassigning)


def _apartment_at(address: Address) -> Apartment:
    buildings = Building.objects.filter(
        street_address__iexact=address.street_address.strip(), postal_code=address.postal_code
    )
    building = buildings.first()
    if building is None:
        if address.district is None:
            raise ValidationError({"district": _("The building is new: choose its district.")}, code="new_building")
        building = _created_or_found(
            Building(
                street_address=address.street_address.strip(),
                postal_code=address.postal_code,
                city=address.city.strip() or "Norrköping",
                district=address.district,
            ),
            buildings,
        )
    elif address.district is not None and building.district_id != address.district.id:
        # The property system knows which district a building is in better than we do.
        building.district = address.district
        building.save(update_fields=["district"])
    apartments = Apartment.objects.filter(building=building, number=address.apartment_number.strip())
    apartment = apartments.first()
    if apartment is None:
        apartment = _created_or_found(
            Apartment(building=building, number=address.apartment_number.strip(), floor=address.floor), apartments
        )
    elif address.floor is not None and apartment.floor != address.floor:
        apartment.floor = address.floor
        apartment.save(update_fields=["floor"])
    return apartment


def _created_or_found(row: Building | Apartment, same: QuerySet) -> Building | Apartment:
    """Save a new building or apartment; or, when another save made the same one a moment earlier (two
    move-ins to a new building arriving together through the API), that one. The unique constraint
    decides, not a check before the INSERT that both would pass; the savepoint keeps the caller's
    transaction going."""
    row.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        found = same.first()  # committed by the other save, which the INSERT waited for
        if found is None:
            raise
        return found
    return row
