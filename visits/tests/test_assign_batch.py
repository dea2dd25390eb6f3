"""assign_batch: many awaiting move-ins placed together by the solver, then given times, with the same
rules as one by one. The clock is frozen on Monday 2 June 2025, 08:00."""

import datetime
import itertools
from collections import Counter

import pytest

from tenants.models import MoveIn
from visits import services
from visits.models import Assignment, Visit, VisitorLanguage
from visits.scheduling import STOCKHOLM, week_start
from visits.tests.conftest import stockholm

MONDAY = datetime.date(2025, 6, 2)
NATIVE = VisitorLanguage.Level.NATIVE


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(stockholm(2025, 6, 2, 8), tick=False)


@pytest.fixture
def backlog(make_visitor, make_move_in):
    team = [
        make_visitor("amal", "Amal Haddad", {"ar": NATIVE, "so": 2}, weekly_capacity=6),
        make_visitor("rania", "Rania Saleh", {"ar": NATIVE}, weekly_capacity=6),
        make_visitor("yonas", "Yonas Tesfay", {"ti": NATIVE, "ar": 2}, weekly_capacity=6),
    ]
    languages = [("ar",), ("ar", "so"), ("ti",), ("so",), ("prs",), ("ti", "ar")] * 5
    move_ins = [
        make_move_in(*codes, move_in_date=MONDAY + datetime.timedelta(days=n % 4)) for n, codes in enumerate(languages)
    ]
    return team, move_ins


def test_it_plans_a_whole_backlog_by_the_rules(backlog):
    team, move_ins = backlog

    visits = services.assign_batch(move_in_ids=[m.id for m in move_ins])

    assert len(visits) == 30
    assert not MoveIn.objects.filter(assignment_state=MoveIn.AssignmentState.AWAITING).exists()
    per_week = Counter((v.visitor_id, week_start(v.starts_at.astimezone(STOCKHOLM).date())) for v in visits)
    assert max(per_week.values()) <= 6
    for visit in visits:
        first, last = visit.move_in.visit_window
        assert first <= visit.starts_at.astimezone(STOCKHOLM).date() <= last
        codes = visit.move_in.household.language_codes()
        if codes == ["prs"]:
            assert visit.interpreter_needed and visit.interpreter_language_id == "prs"
        else:
            assert not visit.interpreter_needed
            assert visit.visitor.language_skills.filter(language_id=visit.language_id, level__gte=2).exists()
    # Tigrinya households go to the only Tigrinya speaker, who is not used up by Arabic ones.
    tigrinya = [v for v in visits if v.move_in.household.language_codes()[0] == "ti"]
    assert {v.visitor.user.username for v in tigrinya} == {"yonas"}
    by_visitor = sorted(Counter(v.visitor_id for v in visits).values())
    assert by_visitor[-1] - by_visitor[0] <= 3
    # No visitor is in two places at once.
    for visitor in team:
        own = sorted(Visit.objects.filter(visitor=visitor), key=lambda v: v.starts_at)
        assert all(a.ends_at <= b.starts_at for a, b in itertools.pairwise(own))
    # "Chosen together with the other move-ins of a batch", in the site's Swedish.
    assert "tillsammans med de andra inflyttningarna" in Assignment.objects.filter(visit__in=visits).first().reason


def test_running_the_batch_again_changes_nothing(backlog):
    _, move_ins = backlog
    ids = [m.id for m in move_ins]
    services.assign_batch(move_in_ids=ids)

    again = services.assign_batch(move_in_ids=ids)

    assert again == []
    assert Visit.objects.count() == 30
    assert Assignment.objects.count() == 30


def test_what_the_team_cannot_take_goes_to_the_coordinator_with_the_reason(make_visitor, make_move_in):
    make_visitor("amal", "Amal Haddad", {"ar": NATIVE}, weekly_capacity=1)
    move_ins = [make_move_in("ar", move_in_date=MONDAY) for _ in range(6)]

    visits = services.assign_batch(move_in_ids=[m.id for m in move_ins])

    # Capacity one a week; the window, 4 to 23 June, touches four weeks.
    assert len(visits) == 4
    queued = MoveIn.objects.filter(assignment_state=MoveIn.AssignmentState.NEEDS_COORDINATOR)
    assert queued.count() == 2
    # The reason, in the site's language (Swedish), names who was tried.
    assert all("Amal Haddad har ingen ledig tid" in m.assignment_note for m in queued)
