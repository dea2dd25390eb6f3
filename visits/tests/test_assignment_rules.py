"""The matching rules beyond language and load: keeping rare languages for those who need them, travel
between districts, preferring a day the visitor is already nearby, overrides, absences, interpreters,
and parking an assignment that keeps failing. The clock is frozen on Monday 2 June 2025, 08:00."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tenants.models import Apartment, Building, District, MoveIn
from visits import services
from visits.models import Assignment, Visit, VisitorLanguage
from visits.scheduling import STOCKHOLM
from visits.tests.conftest import stockholm

NOW = stockholm(2025, 6, 2, 8)
MONDAY = datetime.date(2025, 6, 2)
NATIVE, WORKING = VisitorLanguage.Level.NATIVE, VisitorLanguage.Level.WORKING


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def local(visit: Visit) -> datetime.datetime:
    return visit.starts_at.astimezone(STOCKHOLM)


def test_it_keeps_the_only_tigrinya_speaker_for_tigrinya_households(make_visitor, make_move_in, plan_visits):
    # Both speak Arabic; only Yonas speaks Tigrinya, and Tigrinya households keep arriving.
    amal = make_visitor("amal", "Amal Haddad", {"ar": NATIVE})
    yonas = make_visitor("yonas", "Yonas Tesfay", {"ti": NATIVE, "ar": NATIVE})
    for _ in range(8):
        make_move_in("ti", move_in_date=MONDAY - datetime.timedelta(days=30))
    # Yonas is even a little less loaded than Amal.
    plan_visits(amal, [stockholm(2025, 6, 4, 9), stockholm(2025, 6, 5, 9)])
    plan_visits(yonas, [stockholm(2025, 6, 4, 9)])
    arabic = make_move_in("ar", move_in_date=MONDAY)

    visit = services.assign_move_in(move_in_id=arabic.id)

    assert visit.visitor == amal
    reason = Assignment.objects.get(visit=visit).reason
    assert (
        "Yonas Tesfay sparas för hushåll som få andra kan ta" in reason
    )  # "is kept for households few others can serve"


def test_equally_suited_visitors_share_the_load(make_visitor, make_move_in):
    first = make_visitor("amal", "Amal Haddad", {"ar": NATIVE})
    second = make_visitor("rania", "Rania Saleh", {"ar": NATIVE})

    visits = [services.assign_move_in(move_in_id=make_move_in("ar", move_in_date=MONDAY).id) for _ in range(6)]

    assert sorted(sum(v.visitor == who for v in visits) for who in (first, second)) == [3, 3]


@pytest.fixture
def far_apartment(db) -> Apartment:
    # Skärblacka lies about 15 km west of Hageby: far more than a short walk.
    hageby = District.objects.get_or_create(name="Hageby")[0]
    District.objects.filter(id=hageby.id).update(latitude=58.567, longitude=16.171)
    far = District.objects.create(name="Skärblacka", latitude=58.568, longitude=15.905)
    building = Building.objects.create(street_address="Bruksvägen 3", postal_code="617 30", district=far)
    return Apartment.objects.create(building=building, number="1001", floor=0)


def test_it_leaves_time_to_travel_between_districts(make_visitor, make_move_in, far_apartment, plan_visits):
    amal = make_visitor("amal", "Amal Haddad", {"ar": NATIVE})
    # On the first day of the window, Wednesday 4 June, Amal is in Hageby 09–10.
    (hageby_visit,) = plan_visits(amal, [stockholm(2025, 6, 4, 9)])
    move_in = make_move_in("ar", move_in_date=MONDAY, apartment=far_apartment)

    visit = services.assign_move_in(move_in_id=move_in.id)

    assert local(visit).date() == datetime.date(2025, 6, 4)
    gap = visit.starts_at - hageby_visit.ends_at
    assert gap >= datetime.timedelta(minutes=30)  # not straight after, as if Skärblacka were next door


def test_it_prefers_a_day_when_the_visitor_is_already_in_the_building(make_visitor, make_move_in, plan_visits):
    amal = make_visitor("amal", "Amal Haddad", {"ar": NATIVE})
    # Amal is at Lindövägen 12 (the default apartment's building) on Thursday; Wednesday is free too.
    plan_visits(amal, [stockholm(2025, 6, 5, 13)])
    move_in = make_move_in("ar", move_in_date=MONDAY)

    visit = services.assign_move_in(move_in_id=move_in.id)

    assert local(visit).date() == datetime.date(2025, 6, 5)
    # "Planned on a day when the visitor is already in the same building", in the site's Swedish.
    assert "redan är i samma hus" in Assignment.objects.get(visit=visit).reason


def test_a_coordinator_can_set_visitor_and_time_by_hand_and_the_matcher_leaves_it(
    team, amal, hodan, make_move_in, coordinator
):
    move_in = make_move_in("ar", move_in_date=MONDAY)
    automatic = services.assign_move_in(move_in_id=move_in.id)
    assert automatic.visitor == amal

    manual = services.assign_manually(
        move_in_id=move_in.id,
        visitor_id=hodan.id,
        starts_at=stockholm(2025, 6, 10, 14),
        reason="The household asked for Hodan, whom they know.",
        by=coordinator,
    )

    automatic.refresh_from_db()
    assert automatic.status == Visit.Status.CANCELLED
    assert manual.manual and manual.visitor == hodan and manual.is_open
    # Hodan speaks no Arabic: the visit needs an interpreter, which the coordinator sees.
    assert manual.interpreter_needed and manual.interpreter_language_id == "ar"
    record = Assignment.objects.get(visit=manual)
    assert record.kind == Assignment.Kind.MANUAL and record.decided_by == coordinator
    assert record.reason == "The household asked for Hodan, whom they know."
    # A redelivered task for the move-in changes nothing.
    assert services.assign_move_in(move_in_id=move_in.id) == manual
    assert move_in.visits.filter(status__in=Visit.OPEN_STATUSES).count() == 1


def test_an_override_is_refused_without_a_reason_or_over_another_visit(
    team, amal, make_move_in, plan_visits, coordinator
):
    move_in = make_move_in("ar", move_in_date=MONDAY)
    plan_visits(amal, [stockholm(2025, 6, 10, 14)])

    with pytest.raises(ValidationError) as no_reason:
        services.assign_manually(
            move_in_id=move_in.id, visitor_id=amal.id, starts_at=stockholm(2025, 6, 11, 9), reason=" ", by=coordinator
        )
    with pytest.raises(ValidationError) as clash:
        services.assign_manually(
            move_in_id=move_in.id,
            visitor_id=amal.id,
            starts_at=stockholm(2025, 6, 10, 14, 30),
            reason="Only time the household can",
            by=coordinator,
        )

    assert "reason" in no_reason.value.error_dict
    assert "har redan ett besök" in str(clash.value)  # "already has a visit"
    assert not move_in.visits.exists()


def test_an_absence_moves_the_visits_it_hits_and_says_what_it_could_not(team, amal, make_move_in, coordinator):
    arabic = make_move_in("ar", move_in_date=MONDAY)
    planned = services.assign_move_in(move_in_id=arabic.id)
    by_hand_move_in = make_move_in("ar", move_in_date=MONDAY)
    by_hand = services.assign_manually(
        move_in_id=by_hand_move_in.id,
        visitor_id=amal.id,
        starts_at=stockholm(2025, 6, 5, 14),
        reason="Agreed on the phone",
        by=coordinator,
    )
    day = local(planned).date()

    report = services.register_absence(
        visitor_id=amal.id, starts_on=day, ends_on=datetime.date(2025, 6, 5), reason="Sick", by=coordinator
    )

    ((old, new),) = report.moved
    assert old.id == planned.id and new.visitor == amal and local(new).date() > datetime.date(2025, 6, 5)
    ((left, why),) = report.not_moved
    assert left.id == by_hand.id and "manuellt bestämt" in why  # "set by hand"
    by_hand_move_in.refresh_from_db()
    assert by_hand_move_in.assignment_state == MoveIn.AssignmentState.NEEDS_COORDINATOR
    assert not Visit.objects.filter(visitor=amal, status__in=Visit.OPEN_STATUSES, starts_at__date__lte=day).exists()


def test_an_interpreter_is_booked_only_as_a_professional(team, make_move_in, coordinator):
    move_in = make_move_in("prs", move_in_date=MONDAY)
    visit = services.assign_move_in(move_in_id=move_in.id)
    assert visit.interpreter_needed

    with pytest.raises(ValidationError):
        services.book_interpreter(
            visit_id=visit.id, interpreter_type="phone", reference="", not_a_household_member=False, by=coordinator
        )
    booked = services.book_interpreter(
        visit_id=visit.id, interpreter_type="phone", reference="TK-4711", not_a_household_member=True, by=coordinator
    )

    assert (booked.interpreter_type, booked.interpreter_reference) == ("phone", "TK-4711")


def test_an_assignment_that_keeps_failing_is_parked_for_a_coordinator(team, make_move_in, settings):
    settings.ASSIGNMENT_MAX_ATTEMPTS = 3
    move_in = make_move_in("ar", move_in_date=MONDAY)

    # The same message, delivered again and again (each time the worker died on it).
    goes_ahead = [services.record_assignment_attempt(move_in_id=move_in.id, task_id="task-1") for _ in range(4)]

    assert goes_ahead == [True, True, True, False]
    move_in.refresh_from_db()
    assert move_in.assignment_state == MoveIn.AssignmentState.NEEDS_COORDINATOR
    assert "misslyckades 3 gånger" in move_in.assignment_note  # "failed 3 times", in the site's Swedish
    # Once assigned or parked, a redelivery neither counts nor works.
    assert services.record_assignment_attempt(move_in_id=move_in.id, task_id="task-1") is False


def test_duplicates_sent_on_purpose_never_park_a_move_in(team, make_move_in, settings):
    settings.ASSIGNMENT_MAX_ATTEMPTS = 3
    move_in = make_move_in("ar", move_in_date=MONDAY)

    goes_ahead = [services.record_assignment_attempt(move_in_id=move_in.id, task_id=f"copy-{n}") for n in range(10)]

    assert all(goes_ahead)
    move_in.refresh_from_db()
    assert move_in.assignment_state == MoveIn.AssignmentState.AWAITING
