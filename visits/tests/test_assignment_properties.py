"""The assignment service over many generated teams and households, against the real database: the
rules hold whatever the team and the order of arrival. Each example runs in a transaction that is
rolled back, so examples don't see each other's rows."""

import datetime
import itertools
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenants.models import MoveIn
from visits import services
from visits.models import Visit, Visitor, VisitorLanguage
from visits.scheduling import SLOT_STEP, STOCKHOLM, swedish_public_holidays, week_start
from visits.tests.conftest import stockholm

NOW = stockholm(2025, 5, 26, 8)  # Monday 26 May 2025; Ascension Day and National Day lie ahead
TEAM_LANGUAGES = ["ar", "so", "ti"]
HOUSEHOLD_LANGUAGES = ["ar", "so", "ti", "prs"]  # nobody speaks Dari

visitor_specs = st.fixed_dictionaries(
    {
        "speaks": st.dictionaries(st.sampled_from(TEAM_LANGUAGES), st.integers(1, 4), max_size=2),
        "capacity": st.integers(1, 4),
        "days": st.sets(st.integers(0, 4), min_size=1, max_size=5),
        "starts": st.integers(8, 10),
        "ends": st.integers(13, 16),
    }
)
household_specs = st.tuples(st.lists(st.sampled_from(HOUSEHOLD_LANGUAGES), max_size=2, unique=True), st.integers(0, 10))

examples = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def make_team(make_visitor, specs) -> list[Visitor]:
    team = []
    for n, spec in enumerate(specs):
        visitor = make_visitor(f"v{n}", f"Visitor {n}", spec["speaks"], weekly_capacity=spec["capacity"])
        visitor.working_days = sorted(spec["days"])
        visitor.work_starts, visitor.work_ends = datetime.time(spec["starts"]), datetime.time(spec["ends"])
        visitor.save(update_fields=["working_days", "work_starts", "work_ends"])
        team.append(visitor)
    return team


def speaks(visitor: Visitor, code: str) -> bool:
    return any(
        s.language_id == code and s.level >= VisitorLanguage.Level.WORKING for s in visitor.language_skills.all()
    )


def had_room(visitor: Visitor, move_in: MoveIn, duration: datetime.timedelta) -> bool:
    """Brute force, independent of the scheduler: any half-hour start in the window, inside working hours,
    on no holiday, in a week with capacity left, overlapping none of the visitor's visits."""
    first, last = move_in.visit_window
    first = max(first, NOW.date() + datetime.timedelta(days=1))
    holidays = swedish_public_holidays([first.year])
    taken = list(Visit.objects.filter(visitor=visitor).exclude(status=Visit.Status.CANCELLED))
    per_week = Counter(week_start(v.starts_at.astimezone(STOCKHOLM).date()) for v in taken)
    day = first
    while day <= last:
        if (
            day.weekday() in visitor.working_days
            and day not in holidays
            and per_week[week_start(day)] < visitor.weekly_capacity
        ):
            start = datetime.datetime.combine(day, visitor.work_starts, tzinfo=STOCKHOLM)
            while start + duration <= datetime.datetime.combine(day, visitor.work_ends, tzinfo=STOCKHOLM):
                if not any(start < v.ends_at and v.starts_at < start + duration for v in taken):
                    return True
                start += SLOT_STEP
        day += datetime.timedelta(days=1)
    return False


@examples
@given(team_specs=st.lists(visitor_specs, min_size=1, max_size=4), households=st.lists(household_specs, max_size=8))
def test_the_rules_hold_for_any_team_and_any_arrivals(clock, make_visitor, make_move_in, team_specs, households):
    with transaction.atomic():
        team = make_team(make_visitor, team_specs)
        for languages, days_ahead in households:
            move_in = make_move_in(*languages, move_in_date=NOW.date() + datetime.timedelta(days=days_ahead))
            speakers = [v for v in team if any(speaks(v, code) for code in languages)]
            # Asked before the assignment: could a speaker have taken it?
            hour = datetime.timedelta(hours=1)
            speaker_had_room = any(had_room(v, move_in, hour) for v in speakers)

            visit = services.assign_move_in(move_in_id=move_in.id)

            if visit is None:
                assert not speaker_had_room
                continue
            if speaker_had_room:
                assert not visit.interpreter_needed
                assert speaks(visit.visitor, visit.language_id)
            if visit.interpreter_needed:
                assert not speaker_had_room and languages
            first, last = move_in.visit_window
            start, end = visit.starts_at.astimezone(STOCKHOLM), visit.ends_at.astimezone(STOCKHOLM)
            assert first <= start.date() <= last
            assert start.weekday() in visit.visitor.working_days
            assert visit.visitor.work_starts <= start.time() and end.time() <= visit.visitor.work_ends
            assert start.date() not in swedish_public_holidays([start.year])

        visits = list(Visit.objects.exclude(status=Visit.Status.CANCELLED).select_related("visitor"))
        per_week = Counter((v.visitor_id, week_start(v.starts_at.astimezone(STOCKHOLM).date())) for v in visits)
        capacity = {v.id: v.weekly_capacity for v in team}
        assert all(count <= capacity[visitor_id] for (visitor_id, _), count in per_week.items())
        by_visitor = defaultdict(list)
        for v in visits:
            by_visitor[v.visitor_id].append(v)
        for own in by_visitor.values():
            own.sort(key=lambda v: v.starts_at)
            assert all(a.ends_at <= b.starts_at for a, b in itertools.pairwise(own))
        transaction.set_rollback(True)


@examples
@given(size=st.integers(2, 4), capacity=st.integers(2, 6), arrivals=st.integers(1, 14))
def test_equally_suited_visitors_differ_by_at_most_one_visit_a_week(
    clock, make_visitor, make_move_in, size, capacity, arrivals
):
    with transaction.atomic():
        team = [make_visitor(f"s{n}", f"Speaker {n}", {"so": 4}, weekly_capacity=capacity) for n in range(size)]
        for _ in range(arrivals):
            services.assign_move_in(move_in_id=make_move_in("so", move_in_date=NOW.date()).id)

        loads = Counter(
            (v.visitor_id, week_start(v.starts_at.astimezone(STOCKHOLM).date()))
            for v in Visit.objects.filter(visitor__in=team)
        )
        weeks = {week for _, week in loads}
        for week in weeks:
            per_visitor = [loads[(v.id, week)] for v in team]
            assert max(per_visitor) - min(per_visitor) <= 1, (week, per_visitor)
        transaction.set_rollback(True)
