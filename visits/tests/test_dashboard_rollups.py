"""The dashboard's rollups (issue 8): whatever changes visits, move-ins or household languages – services,
bulk updates, deletions, a rolled-back transaction – the company-wide dashboard read from the rollups
equals the one counted from the raw rows, for any period; a refresh is idempotent; the company-wide page
costs the same queries however much data there is."""

import contextlib
import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenants.models import HouseholdLanguage, MoveIn
from tenants.services import set_household_languages
from visits import dashboard_rollups
from visits.dashboard import dashboard
from visits.models import DashboardMoveInDay, DashboardStale, DashboardVisitDay, Visit
from visits.tests.conftest import stockholm
from visits.tests.test_dashboard import APRIL_END, MARCH, NOW, PERIOD

pytestmark = pytest.mark.urls("visits.tests.test_dashboard")


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


TODAY = datetime.date(2025, 6, 2)
PERIODS = {
    "March and April": (MARCH, APRIL_END),
    "twelve months": (datetime.date(2024, 7, 1), TODAY),
    "ten years": (datetime.date(2015, 6, 1), TODAY),
    "one day": (datetime.date(2025, 4, 8), datetime.date(2025, 4, 8)),
    # Whole months (February, March) between days at both edges, and days whose window is still open.
    "ragged edges": (datetime.date(2025, 1, 4), datetime.date(2025, 4, 20)),
    "into the open windows": (datetime.date(2025, 3, 20), TODAY),
}


def assert_rollups_equal_raw() -> None:
    for name, (first, last) in PERIODS.items():
        from_rollups = dashboard(first_day=first, last_day=last, from_rollups=True)
        raw = dashboard(first_day=first, last_day=last, from_rollups=False)
        assert from_rollups == raw, name
    assert not DashboardStale.objects.exists()


def test_the_rollups_equal_the_raw_counts_for_every_period(story):
    assert_rollups_equal_raw()
    result = dashboard(first_day=MARCH, last_day=APRIL_END)
    # The story's figures (test_dashboard.py), now read from the rollups.
    assert (result.move_ins, result.visited_in_window, result.median_days_to_visit) == (5, 3, 9.5)
    assert DashboardMoveInDay.objects.exists() and DashboardVisitDay.objects.exists()


def test_each_kind_of_change_is_counted_again(story, team, make_move_in, make_visit):
    amal, hodan, _yonas = team
    dashboard(first_day=MARCH, last_day=APRIL_END)  # counted once
    visit = Visit.objects.filter(status=Visit.Status.COMPLETED).order_by("starts_at").first()

    # Rescheduled to another day (and so another number of days to the visit).
    visit.starts_at += datetime.timedelta(days=9)
    visit.ends_at += datetime.timedelta(days=9)
    visit.save()
    assert_rollups_equal_raw()

    # Another visitor, then a no-show.
    Visit.objects.filter(id=visit.id).update(visitor=hodan)
    assert_rollups_equal_raw()
    Visit.objects.filter(id=visit.id).update(status=Visit.Status.NO_SHOW)
    assert_rollups_equal_raw()

    # The household's first language changes (a coordinator's correction).
    set_household_languages(household=visit.move_in.household, codes=["so", "ar"])
    assert_rollups_equal_raw()

    # The move-in date is corrected into another month.
    MoveIn.objects.filter(id=visit.move_in_id).update(move_in_date=datetime.date(2025, 2, 27))
    assert_rollups_equal_raw()

    # An interpreter visit is cancelled; a visit is deleted; a move-in with its visits goes.
    Visit.objects.filter(interpreter_needed=True).update(status=Visit.Status.CANCELLED)
    assert_rollups_equal_raw()
    Visit.objects.filter(id=visit.id).delete()
    assert_rollups_equal_raw()
    doomed = make_move_in("ti", move_in_date=datetime.date(2025, 4, 20))
    make_visit(doomed, amal, stockholm(2025, 4, 28, 9), Visit.Status.COMPLETED, language="ti")
    assert_rollups_equal_raw()
    Visit.objects.filter(move_in=doomed).delete()
    HouseholdLanguage.objects.filter(household=doomed.household).delete()
    doomed.delete()
    assert_rollups_equal_raw()


def test_a_change_that_is_rolled_back_marks_nothing(story):
    dashboard_rollups.refresh()
    visit = Visit.objects.filter(status=Visit.Status.COMPLETED).first()
    with pytest.raises(RuntimeError), transaction.atomic():
        Visit.objects.filter(id=visit.id).update(status=Visit.Status.CANCELLED)
        raise RuntimeError
    assert not DashboardStale.objects.exists()


def test_a_change_to_a_note_marks_nothing(story):
    dashboard_rollups.refresh()
    Visit.objects.update(cancel_reason="Omplanerat", interpreter_reference="T-1")
    assert not DashboardStale.objects.exists()


def test_refreshing_twice_or_rebuilding_gives_the_same_rows(story):
    def rows() -> list[tuple]:
        visit_rows = DashboardVisitDay.objects.values_list(
            "day", "whole_month", "kind", "visitor_id", "language_id", "completed", "no_shows", "interpreter_time"
        )
        move_in_rows = DashboardMoveInDay.objects.values_list(
            "move_in_date", "whole_month", "days_to_visit", "move_ins"
        )
        return sorted(map(repr, [*visit_rows, *move_in_rows]))

    first = dashboard_rollups.refresh()
    assert first.marks > 0
    counted = rows()
    assert dashboard_rollups.refresh().marks == 0
    dashboard_rollups.rebuild()
    assert rows() == counted


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.lists(
        st.tuples(
            st.sampled_from(["move", "status", "delete", "language", "date", "new"]),
            st.integers(min_value=0, max_value=40),
            st.sampled_from(list(Visit.Status)),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_sequence_of_changes_leaves_the_rollups_equal_to_the_raw_counts(
    story, team, make_move_in, make_visit, changes
):
    for change, n, status in changes:
        visits = list(Visit.objects.order_by("id"))
        visit = visits[n % len(visits)] if visits else None
        # A change the database's constraints refuse (two open visits for a move-in, a visitor booked
        # twice at once) is rolled back, marks and all: the numbers must still agree.
        with contextlib.suppress(IntegrityError), transaction.atomic():
            apply(change, n, status, visit, team, make_move_in, make_visit)
        assert_rollups_equal_raw()


def apply(change, n, status, visit, team, make_move_in, make_visit) -> None:
    if change == "new" or visit is None:
        move_in = make_move_in("ar", move_in_date=datetime.date(2025, 3, 1) + datetime.timedelta(days=n))
        make_visit(move_in, team[n % 3], stockholm(2025, 3, 8 + n % 20, 8 + n % 8), status, language="ar")
    elif change == "move":
        Visit.objects.filter(id=visit.id).update(
            starts_at=visit.starts_at + datetime.timedelta(hours=n * 7),
            ends_at=visit.ends_at + datetime.timedelta(hours=n * 7),
        )
    elif change == "status":
        Visit.objects.filter(id=visit.id).update(status=status)
    elif change == "delete":
        visit.delete()
    elif change == "language":
        set_household_languages(household=visit.move_in.household, codes=["prs", "so"][: 1 + n % 2])
    elif change == "date":
        MoveIn.objects.filter(id=visit.move_in_id).update(
            move_in_date=datetime.date(2025, 3, 1) + datetime.timedelta(days=n)
        )


def test_the_company_wide_page_costs_the_same_queries_with_more_data(
    client, manager, story, make_move_in, make_visit, team, django_assert_num_queries
):
    client.force_login(manager)
    dashboard_rollups.refresh()
    # session, user, the user's roles, districts for the form, whether any day must be counted again, then
    # from the rollups: move-ins by month and days to the visit, visits by language, visitors, language demand
    with django_assert_num_queries(9):
        client.get(reverse("dashboard:index"), PERIOD)

    for day in range(1, 20):
        move_in = make_move_in("so", move_in_date=datetime.date(2025, 3, day))
        make_visit(move_in, team[1], stockholm(2025, 3, day + 10, 10), Visit.Status.COMPLETED, language="so")
    dashboard_rollups.refresh()

    with django_assert_num_queries(9):
        response = client.get(reverse("dashboard:index"), PERIOD)
    assert response.context["dashboard"].move_ins == 5 + 19


def test_a_dashboard_read_leaves_a_big_backlog_of_days_to_the_worker(story, make_move_in):
    dashboard_rollups.refresh()
    for day in range(40):  # an import of forty days' move-ins
        make_move_in("ar", move_in_date=datetime.date(2025, 1, 1) + datetime.timedelta(days=day))

    dashboard(first_day=MARCH, last_day=APRIL_END)

    assert DashboardStale.objects.count() == 40  # not counted in the request
    assert dashboard_rollups.refresh().move_in_days == 40  # the worker's refresh does it
    assert_rollups_equal_raw()
