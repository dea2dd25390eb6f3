"""Outcomes hold no names and no free text: when a household is anonymised after the retention period,
its disturbance cases, move-out inspection and survey answers stay, with their numbers, so the impact
statistics survive (tenants.retention)."""

import datetime

import pytest

from tenants import retention
from tenants.models import DisturbanceCase, Household, MoveOutInspection, SurveyAnswer
from visits.tests.conftest import stockholm

NOW = stockholm(2025, 2, 24, 8)
LONG_AFTER = stockholm(2028, 6, 1, 3)  # more than RETENTION_MONTHS after the move-out


@pytest.mark.django_db
def test_outcomes_and_their_numbers_survive_the_households_anonymisation(time_machine, make_move_in):
    time_machine.move_to(NOW, tick=False)
    move_in = make_move_in("ar", move_in_date=datetime.date(2025, 3, 3), contact_name="Fatima Haddad")
    DisturbanceCase.objects.create(
        move_in=move_in, case_number="S-1", reported_on=datetime.date(2025, 5, 1), category="noise", justified=True
    )
    MoveOutInspection.objects.create(move_in=move_in, inspected_on=datetime.date(2026, 1, 10), damage_cost=12500)
    SurveyAnswer.objects.create(move_in=move_in, answered_on=datetime.date(2025, 9, 1), satisfaction=8, safety_score=6)
    move_in.moved_out_on = datetime.date(2026, 1, 10)
    move_in.save(update_fields=["moved_out_on"])

    time_machine.move_to(LONG_AFTER, tick=False)
    assert retention.anonymise_expired() == 1

    household = Household.objects.get(id=move_in.household_id)
    assert household.anonymised_at is not None and household.contact_name != "Fatima Haddad"
    assert list(DisturbanceCase.objects.values_list("move_in_id", "case_number", "category", "justified")) == [
        (move_in.id, "S-1", "noise", True)
    ]
    assert list(MoveOutInspection.objects.values_list("move_in_id", "damage_cost")) == [(move_in.id, 12500)]
    assert list(SurveyAnswer.objects.values_list("move_in_id", "satisfaction", "safety_score")) == [(move_in.id, 8, 6)]
