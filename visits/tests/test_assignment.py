"""assign_move_in, the service behind the worker's task, called directly with the clock frozen on Monday
26 May 2025, 08:00 in Stockholm. A move-in on that day has its visit window from Wednesday 28 May to
Monday 16 June; Thursday 29 May (Ascension Day) and Friday 6 June (National Day) lie inside it.
"""

import datetime

import pytest
from django.db import IntegrityError, transaction

from tenants.models import MoveIn
from visits.models import Absence, Assignment, Visit, Visitor, VisitorLanguage
from visits.scheduling import STOCKHOLM, swedish_public_holidays
from visits.services import assign_move_in
from visits.tests.conftest import hourly_slots, stockholm

NOW = stockholm(2025, 5, 26, 8)
MOVE_IN_DATE = datetime.date(2025, 5, 26)
WINDOW_FIRST_DAY = datetime.date(2025, 5, 28)


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def assert_planned_by_the_rules(visit: Visit) -> None:
    """Inside the move-in's window, inside the visitor's working hours, on no holiday."""
    first, last = visit.move_in.visit_window
    starts, ends = visit.starts_at.astimezone(STOCKHOLM), visit.ends_at.astimezone(STOCKHOLM)
    assert first <= starts.date() <= last
    assert starts.date().weekday() in visit.visitor.working_days
    assert visit.visitor.work_starts <= starts.time() and ends.time() <= visit.visitor.work_ends
    assert starts.date() not in swedish_public_holidays([starts.year])


def test_it_plans_a_visit_with_a_speaker_of_the_households_language(team, yonas, make_move_in):
    move_in = make_move_in("ti", move_in_date=MOVE_IN_DATE)

    visit = assign_move_in(move_in_id=move_in.id)

    assert Visit.objects.get(move_in=move_in) == visit
    assert (visit.visitor, visit.language_id, visit.interpreter_needed) == (yonas, "ti", False)
    # The first working hour of the window's first day.
    assert (visit.starts_at, visit.ends_at) == (stockholm(2025, 5, 28, 9), stockholm(2025, 5, 28, 10))
    assert visit.status == Visit.Status.PLANNED
    move_in.refresh_from_db()
    assert (move_in.assignment_state, move_in.assignment_note) == (MoveIn.AssignmentState.ASSIGNED, "")


def test_it_prefers_the_first_language_over_the_second_even_when_its_speaker_is_busier(
    team, hodan, make_move_in, plan_visits
):
    plan_visits(hodan, hourly_slots(WINDOW_FIRST_DAY, 5))  # Amal, who speaks the second language, has none
    move_in = make_move_in("so", "ar", move_in_date=MOVE_IN_DATE)

    visit = assign_move_in(move_in_id=move_in.id)

    assert (visit.visitor, visit.language_id, visit.interpreter_needed) == (hodan, "so", False)
    # Her morning is taken (09–14): the first free hour.
    assert visit.starts_at == stockholm(2025, 5, 28, 14)


def test_it_picks_the_least_loaded_speaker(team, amal, make_visitor, make_move_in, plan_visits):
    karim = make_visitor("karim", "Karim Nasser", {"ar": VisitorLanguage.Level.FLUENT}, weekly_capacity=10)
    plan_visits(amal, hourly_slots(WINDOW_FIRST_DAY, 2))
    plan_visits(karim, hourly_slots(WINDOW_FIRST_DAY, 1))
    move_in = make_move_in("ar", move_in_date=MOVE_IN_DATE)

    visit = assign_move_in(move_in_id=move_in.id)

    assert (visit.visitor, visit.language_id) == (karim, "ar")
    assert visit.starts_at == stockholm(2025, 5, 28, 10)


def test_it_measures_load_against_each_visitors_weekly_capacity(team, amal, make_visitor, make_move_in, plan_visits):
    # Karim works part time: 2 visits of his 4 a week weigh more than Amal's 3 of 10.
    karim = make_visitor("karim", "Karim Nasser", {"ar": VisitorLanguage.Level.FLUENT}, weekly_capacity=4)
    plan_visits(amal, hourly_slots(WINDOW_FIRST_DAY, 3))
    plan_visits(karim, hourly_slots(WINDOW_FIRST_DAY, 2))
    move_in = make_move_in("ar", move_in_date=MOVE_IN_DATE)

    visit = assign_move_in(move_in_id=move_in.id)

    assert visit.visitor == amal


@pytest.mark.parametrize(
    ("move_in_date", "expected_start"),
    [
        # The window opens on the holiday (move-in + 2 days); the visit is on the next working day.
        pytest.param(datetime.date(2025, 5, 27), stockholm(2025, 5, 30, 9), id="ascension-day-thursday-29-may"),
        pytest.param(datetime.date(2025, 6, 4), stockholm(2025, 6, 9, 9), id="national-day-friday-6-june"),
        pytest.param(datetime.date(2025, 6, 18), stockholm(2025, 6, 23, 9), id="midsummer-eve-friday-20-june"),
        pytest.param(datetime.date(2025, 12, 22), stockholm(2025, 12, 29, 9), id="christmas-eve-to-boxing-day"),
    ],
)
def test_it_never_plans_a_visit_on_a_holiday(team, make_move_in, move_in_date, expected_start):
    move_in = make_move_in("ar", move_in_date=move_in_date)

    visit = assign_move_in(move_in_id=move_in.id)

    assert visit.starts_at == expected_start
    assert_planned_by_the_rules(visit)


def test_it_plans_every_visit_by_the_rules_when_the_team_is_busy(team, amal, make_move_in):
    # Twenty Arabic-speaking households in a row: Amal's days fill up, then her week's capacity (10).
    visits = [assign_move_in(move_in_id=make_move_in("ar", move_in_date=MOVE_IN_DATE).id) for _ in range(20)]

    for visit in visits:
        assert_planned_by_the_rules(visit)
    by_amal = [v for v in visits if v.visitor == amal]
    assert len(by_amal) == 20
    # 28 May and 30 May fill her first week (10 visits; 29 May is Ascension Day); then 2 June onwards.
    assert [v.starts_at.astimezone(STOCKHOLM).date() for v in by_amal[9:11]] == [
        datetime.date(2025, 5, 30),
        datetime.date(2025, 6, 2),
    ]
    assert len({v.starts_at for v in by_amal}) == 20


def test_it_books_an_interpreter_with_the_least_loaded_visitor_when_nobody_speaks_the_language(
    team, amal, hodan, yonas, make_move_in, plan_visits, settings
):
    settings.VISIT_DURATION_WITH_INTERPRETER_MINUTES = 90
    plan_visits(amal, hourly_slots(WINDOW_FIRST_DAY, 2))
    plan_visits(hodan, hourly_slots(WINDOW_FIRST_DAY, 1))
    move_in = make_move_in("prs", move_in_date=MOVE_IN_DATE)  # Dari: nobody in the team speaks it

    visit = assign_move_in(move_in_id=move_in.id)

    assert visit.visitor == yonas
    assert (visit.interpreter_needed, visit.interpreter_language_id) == (True, "prs")
    assert visit.ends_at - visit.starts_at == datetime.timedelta(minutes=90)
    assert_planned_by_the_rules(visit)


def test_it_hands_the_move_in_to_a_coordinator_when_nobody_has_time_in_the_window(
    team, amal, hodan, yonas, make_move_in, plan_visits
):
    # Only Amal works, one visit a week, and each week of the window already has its visit.
    Visitor.objects.filter(id__in=[hodan.id, yonas.id]).update(is_active=False)
    Visitor.objects.filter(id=amal.id).update(weekly_capacity=1)
    plan_visits(
        amal,
        [stockholm(2025, 5, 27, 10), stockholm(2025, 6, 3, 10), stockholm(2025, 6, 10, 10), stockholm(2025, 6, 16, 10)],
    )
    move_in = make_move_in("ar", move_in_date=MOVE_IN_DATE)

    visit = assign_move_in(move_in_id=move_in.id)

    assert visit is None
    assert not Visit.objects.filter(move_in=move_in).exists()
    move_in.refresh_from_db()
    assert move_in.assignment_state == MoveIn.AssignmentState.NEEDS_COORDINATOR
    assert "Amal Haddad" in move_in.assignment_note
    assert "2025-06-16" in move_in.assignment_note
    history = Assignment.objects.get(move_in=move_in)
    assert (history.kind, history.visit, history.reason) == (
        Assignment.Kind.UNASSIGNABLE,
        None,
        move_in.assignment_note,
    )


def test_it_hands_over_a_move_in_whose_visit_window_has_passed(team, make_move_in):
    move_in = make_move_in("ar", move_in_date=datetime.date(2025, 4, 1))  # window 3–22 April

    visit = assign_move_in(move_in_id=move_in.id)

    assert visit is None
    assert not Visit.objects.filter(move_in=move_in).exists()
    move_in.refresh_from_db()
    assert move_in.assignment_state == MoveIn.AssignmentState.NEEDS_COORDINATOR
    assert "2025-04-22" in move_in.assignment_note
    assert Assignment.objects.get(move_in=move_in).kind == Assignment.Kind.UNASSIGNABLE

    # A redelivered task leaves the coordinator's case as it is: no second history row.
    assert assign_move_in(move_in_id=move_in.id) is None
    assert Assignment.objects.filter(move_in=move_in).count() == 1


def test_it_visits_a_late_registration_tomorrow_while_the_window_lasts(team, amal, make_move_in):
    move_in = make_move_in("ar", move_in_date=datetime.date(2025, 5, 6))  # window 8–27 May, today is the 26th

    visit = assign_move_in(move_in_id=move_in.id)

    assert (visit.visitor, visit.starts_at) == (amal, stockholm(2025, 5, 27, 9))


def test_it_plans_one_visit_however_often_it_is_called(team, make_move_in):
    move_in = make_move_in("ar", move_in_date=MOVE_IN_DATE)

    first = assign_move_in(move_in_id=move_in.id)
    second = assign_move_in(move_in_id=move_in.id)  # a redelivered task

    assert second == first
    assert Visit.objects.filter(move_in=move_in).count() == 1
    assert Assignment.objects.filter(move_in=move_in).count() == 1


def test_the_database_refuses_a_second_open_visit_for_one_move_in(amal, hodan, make_move_in):
    move_in = make_move_in("ar", move_in_date=MOVE_IN_DATE)
    first = Visit.objects.create(
        move_in=move_in, visitor=amal, starts_at=stockholm(2025, 5, 28, 9), ends_at=stockholm(2025, 5, 28, 10)
    )

    second = Visit(
        move_in=move_in,
        visitor=hodan,
        starts_at=stockholm(2025, 5, 30, 9),
        ends_at=stockholm(2025, 5, 30, 10),
        status=Visit.Status.CONFIRMED,
    )

    with (
        pytest.raises(IntegrityError, match=r"visit_one_open_per_move_in|UNIQUE constraint failed"),
        transaction.atomic(),
    ):
        second.save()

    # A cancelled visit is no longer open: a new one may be planned.
    Visit.objects.filter(id=first.id).update(status=Visit.Status.CANCELLED)
    Visit.objects.create(
        move_in=move_in, visitor=hodan, starts_at=stockholm(2025, 5, 30, 9), ends_at=stockholm(2025, 5, 30, 10)
    )
    assert list(Visit.objects.filter(move_in=move_in).values_list("status", flat=True).order_by("starts_at")) == [
        Visit.Status.CANCELLED,
        Visit.Status.PLANNED,
    ]


def test_it_records_why_it_chose_the_visitor(team, amal, make_move_in, languages):
    move_in = make_move_in("ar", move_in_date=MOVE_IN_DATE)

    visit = assign_move_in(move_in_id=move_in.id)

    history = Assignment.objects.get(move_in=move_in)
    assert (history.kind, history.visit, history.visitor, history.decided_by) == (
        Assignment.Kind.AUTOMATIC,
        visit,
        amal,
        None,
    )
    assert "Amal Haddad" in history.reason
    assert languages["ar"].name_sv in history.reason  # the reason is written in Swedish, the staff's language


def test_it_avoids_the_visitors_absence(team, amal, make_move_in):
    Absence.objects.create(
        visitor=amal, starts_on=datetime.date(2025, 5, 28), ends_on=datetime.date(2025, 6, 3), reason="Kurs"
    )
    move_in = make_move_in("ar", move_in_date=MOVE_IN_DATE)

    visit = assign_move_in(move_in_id=move_in.id)

    # Still Amal, the only Arabic speaker, on her first working day back.
    assert (visit.visitor, visit.starts_at) == (amal, stockholm(2025, 6, 4, 9))


@pytest.mark.parametrize("existing_visits", [3, 30])
def test_it_assigns_in_the_same_number_of_queries_however_full_the_calendar(
    team, make_move_in, plan_visits, django_assert_num_queries, existing_visits
):
    for n, start in enumerate(hourly_slots(datetime.date(2025, 6, 2), existing_visits)):
        plan_visits(team[n % len(team)], [start])
    move_in = make_move_in("so", "ar", move_in_date=MOVE_IN_DATE)

    # SAVEPOINT (the service's transaction inside the test's)
    # 1. the move-in with its household and building, locked
    # 2. the household's languages with their names
    # 3. the language demand forecast: the languages of recent and waiting households
    # 4. the active visitors with their users, locked
    # 5. their language skills
    # 6. their visits in the window's weeks, with where they are
    # 7. their absences in the window
    # 8. INSERT the visit
    # 9. UPDATE the move-in's assignment state
    # 10. INSERT the assignment history row
    # RELEASE SAVEPOINT
    with django_assert_num_queries(12):
        visit = assign_move_in(move_in_id=move_in.id)

    assert visit.language_id == "so"
