"""Writes from the coordinator's screens that belong to no existing service: closing a household's change
request, and saving a move-in with its household, languages and address in one go. Everything else the
screens do goes through visits.services and tenants.services."""

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tenants import services as tenant_services
from tenants.models import Apartment, Building, District, Household, MoveIn
from visits import services as visit_services
from visits.models import ChangeRequest, Visit

# --- Change requests ---------------------------------------------------------------------------------


def mark_change_request_handled(
    *, change_request: ChangeRequest, by: AbstractBaseUser, now: datetime.datetime | None = None
) -> bool:
    """Close an open request. A conditional update, so of two coordinators pressing at once only one is
    recorded as having handled it; True when this call did."""
    now = now or timezone.now()
    changed = ChangeRequest.objects.filter(id=change_request.id, status=ChangeRequest.Status.OPEN).update(
        status=ChangeRequest.Status.HANDLED, handled_by=by, handled_at=now
    )
    if changed:
        change_request.status, change_request.handled_by, change_request.handled_at = (
            ChangeRequest.Status.HANDLED,
            by,
            now,
        )
    return changed == 1


@transaction.atomic
def move_to_requested_time(*, change_request: ChangeRequest, by: AbstractBaseUser) -> Visit:
    """Give the household the time it chose: the same visitor at the proposed start, as a coordinator's
    assignment (the old visit is cancelled, the household told the new time), and the request handled.
    All or nothing: ValidationError when the request names no time, is already handled, or the visitor
    is no longer free then."""
    visit = change_request.visit
    if change_request.proposed_start is None:
        raise ValidationError(_("The household chose no time; call them and assign by hand."), code="no_time")
    if not visit.is_open:
        raise ValidationError(_("This visit can no longer be changed."), code="closed")
    with translation.override(settings.LANGUAGE_CODE):  # stored history is read in the site's language
        reason = _("The household asked for another time.")
    new_visit = visit_services.assign_manually(
        move_in_id=visit.move_in_id,
        visitor_id=visit.visitor_id,
        starts_at=change_request.proposed_start,
        duration=visit.ends_at - visit.starts_at,
        reason=reason,
        by=by,
    )
    if not mark_change_request_handled(change_request=change_request, by=by):
        # Someone else handled it meanwhile: undo the move rather than move the visit twice.
        raise ValidationError(_("Another coordinator has already handled this request."), code="handled")
    return new_visit


# --- Move-ins ----------------------------------------------------------------------------------------


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


def save_move_in(
    *,
    move_in: MoveIn | None,
    household_fields: Mapping[str, object],
    language_codes: Sequence[str],
    address: Address,
    move_in_date: datetime.date,
    contract_number: str,
) -> MoveIn:
    """Register a new move-in (move_in=None) with a new household, or correct an existing one, in one
    transaction: the household, its languages in order, the building and apartment (found by address or
    created), the move-in. A new move-in is sent to be assigned once committed (tenants.services). Any
    ValidationError saves nothing."""
    try:
        return _save_move_in(
            move_in=move_in,
            household_fields=household_fields,
            language_codes=language_codes,
            address=address,
            move_in_date=move_in_date,
            contract_number=contract_number,
        )
    except IntegrityError as error:
        # Two coordinators saving the same contract number at once: the database decides, the form says it.
        if MoveIn.objects.filter(contract_number=contract_number).exclude(id=getattr(move_in, "id", None)).exists():
            raise ValidationError({"contract_number": contract_number_taken_message()}) from error
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
) -> MoveIn:
    unknown = set(household_fields) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise TypeError(f"Not household fields: {sorted(unknown)}")
    household = move_in.household if move_in is not None else Household()
    for name, value in household_fields.items():
        setattr(household, name, value)
    household.full_clean()
    if household.pk:
        household.save(update_fields=list(household_fields))
    else:
        household.save()
    tenant_services.set_household_languages(household=household, codes=language_codes)
    apartment = _apartment_at(address)
    if move_in is None:
        return tenant_services.register_move_in(
            household=household, apartment=apartment, move_in_date=move_in_date, contract_number=contract_number
        )
    move_in.apartment, move_in.move_in_date, move_in.contract_number = apartment, move_in_date, contract_number
    move_in.full_clean()
    # Only the fields the form edits: the worker writes the assignment fields of this row.
    move_in.save(update_fields=["apartment", "move_in_date", "contract_number"])
    return move_in


def _apartment_at(address: Address) -> Apartment:
    building = Building.objects.filter(
        street_address__iexact=address.street_address.strip(), postal_code=address.postal_code
    ).first()
    if building is None:
        if address.district is None:
            raise ValidationError({"district": _("The building is new: choose its district.")})
        building = Building(
            street_address=address.street_address.strip(),
            postal_code=address.postal_code,
            city=address.city.strip() or "Norrköping",
            district=address.district,
        )
        building.full_clean()
        building.save()
    apartment = Apartment.objects.filter(building=building, number=address.apartment_number.strip()).first()
    if apartment is None:
        apartment = Apartment(building=building, number=address.apartment_number.strip(), floor=address.floor)
        apartment.full_clean()
        apartment.save()
    elif address.floor is not None and apartment.floor != address.floor:
        apartment.floor = address.floor
        apartment.save(update_fields=["floor"])
    return apartment
