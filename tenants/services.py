"""Writes about tenants: registering move-ins and households' languages."""

import datetime
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from languages.models import Language
from tenants.models import Apartment, Household, HouseholdLanguage, MoveIn


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
    *, household: Household, apartment: Apartment, move_in_date: datetime.date, contract_number: str
) -> MoveIn:
    """Save a new move-in and, once committed, send it to be assigned a visitor."""
    move_in = MoveIn(
        household=household, apartment=apartment, move_in_date=move_in_date, contract_number=contract_number
    )
    move_in.full_clean()
    move_in.save()
    move_in_saved(move_in=move_in, created=True)
    return move_in


def move_in_saved(*, move_in: MoveIn, created: bool) -> None:
    """Called by every path that saves a move-in (admin, forms, import, API) inside its transaction."""
    from visits.services import request_assignment

    if created:
        request_assignment(move_in_id=move_in.id)
