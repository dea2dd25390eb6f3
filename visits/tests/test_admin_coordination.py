"""What a coordinator does in the admin until their own screens exist: register an absence and see what
it moved, and assign a move-in by hand."""

import datetime

import pytest
from django.urls import reverse

from visits import services
from visits.models import Absence, Assignment, Visit
from visits.roles import sync_roles
from visits.scheduling import STOCKHOLM
from visits.tests.conftest import stockholm

MONDAY = datetime.date(2025, 6, 2)


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(stockholm(2025, 6, 2, 8), tick=False)


@pytest.fixture
def coordinator_client(client, coordinator):
    sync_roles()  # the groups' permissions, as after migrate
    coordinator.is_staff = True
    coordinator.save(update_fields=["is_staff"])
    client.force_login(coordinator)
    return client


def test_registering_an_absence_shows_the_coordinator_what_moved(coordinator_client, team, amal, make_move_in):
    visit = services.assign_move_in(move_in_id=make_move_in("ar", move_in_date=MONDAY).id)
    day = visit.starts_at.astimezone(STOCKHOLM).date()

    response = coordinator_client.post(
        reverse("admin:visits_absence_add"),
        {"visitor": amal.id, "starts_on": day.isoformat(), "ends_on": day.isoformat(), "reason": "Sick"},
        follow=True,
    )

    page = response.content.decode()
    assert Absence.objects.filter(visitor=amal, starts_on=day).count() == 1
    visit.refresh_from_db()
    assert visit.status == Visit.Status.CANCELLED
    new = Visit.objects.get(move_in=visit.move_in, status=Visit.Status.PLANNED)
    assert new.starts_at.astimezone(STOCKHOLM).date() != day
    assert "Flyttat" in page or "Moved" in page


def test_a_coordinator_assigns_a_move_in_by_hand_in_the_admin(coordinator_client, team, hodan, make_move_in):
    move_in = make_move_in("ar", move_in_date=MONDAY)

    response = coordinator_client.post(
        reverse("admin:tenants_movein_assign", args=[move_in.id]),
        {"visitor": hodan.id, "day": "2025-06-10", "time": "13:00", "duration": 90, "reason": "Knows the family"},
    )

    assert response.status_code == 302
    visit = Visit.objects.get(move_in=move_in)
    assert (visit.visitor, visit.manual) == (hodan, True)
    assert visit.starts_at == stockholm(2025, 6, 10, 13)
    assert visit.ends_at - visit.starts_at == datetime.timedelta(minutes=90)
    assert Assignment.objects.get(visit=visit).reason == "Knows the family"


def test_an_override_without_a_reason_shows_the_form_again_and_saves_nothing(
    coordinator_client, team, hodan, make_move_in
):
    move_in = make_move_in("ar", move_in_date=MONDAY)

    response = coordinator_client.post(
        reverse("admin:tenants_movein_assign", args=[move_in.id]),
        {"visitor": hodan.id, "day": "2025-06-10", "time": "13:00", "duration": 60, "reason": ""},
    )

    assert response.status_code == 200
    assert not Visit.objects.filter(move_in=move_in).exists()


def test_marking_change_requests_handled_in_the_admin_records_who_did_it(
    coordinator_client, coordinator, team, amal, make_move_in
):
    from visits.models import ChangeRequest

    visit = services.assign_move_in(move_in_id=make_move_in("ar", move_in_date=MONDAY).id)
    change = ChangeRequest.objects.create(visit=visit, message="Efter 15, tack.")

    coordinator_client.post(
        reverse("admin:visits_changerequest_changelist"),
        {"action": "mark_handled", "_selected_action": [change.id]},
    )

    change.refresh_from_db()
    assert (change.status, change.handled_by) == (ChangeRequest.Status.HANDLED, coordinator)
    assert change.handled_at is not None
