"""Retention of referrals: the person's name is personal data and goes with the household's (called by
tenants.retention for each batch of households it anonymises, in the same transaction). The programme,
the consent's time, the dates and every status stay: the funnel reads the same before and after."""

import datetime
from collections.abc import Collection

from django.utils import timezone

from portalen.models import Referral


def anonymise_referrals(household_ids: Collection[int], *, now: datetime.datetime | None = None) -> int:
    """Blank the names of the referrals made from visits to these households. Returns how many were
    anonymised; a referral anonymised already is left alone, so calling it again changes nothing."""
    return Referral.objects.filter(
        follow_up__log__visit__move_in__household_id__in=list(household_ids), anonymised_at__isnull=True
    ).update(person_name="", anonymised_at=now or timezone.now())
