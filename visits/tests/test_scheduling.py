"""find_slot and the holiday calendar are pure: checked over many generated calendars, and against a
brute-force search over every half-hour start."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from visits.scheduling import SLOT_STEP, STOCKHOLM, WorkingPattern, find_slot, swedish_public_holidays, week_start

UTC = datetime.UTC
MONDAY_TO_FRIDAY = frozenset(range(5))
NINE_TO_FOUR = WorkingPattern(MONDAY_TO_FRIDAY, datetime.time(9), datetime.time(16), weekly_capacity=10)
HOUR = datetime.timedelta(hours=1)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=STOCKHOLM)


def slot(**overrides):
    """find_slot with a free 09–16 Monday-to-Friday calendar unless told otherwise."""
    arguments = {
        "pattern": NINE_TO_FOUR,
        "first_day": datetime.date(2025, 6, 2),  # a Monday
        "last_day": datetime.date(2025, 6, 13),
        "duration": HOUR,
        "busy": [],
        "blocked_days": set(),
        "week_load": {},
        "not_before": at(datetime.date(2025, 5, 30), 12),
    }
    return find_slot(**{**arguments, **overrides})


# --- Generated calendars -----------------------------------------------------------------------------


@st.composite
def calendars(draw) -> dict:
    """Working hours between 06 and 22 (clear of the 02–03 daylight-saving jumps), up to a six-week window,
    busy intervals stored in UTC as the database returns them, blocked days, full and part-full weeks."""
    start_minutes = draw(st.integers(6 * 60, 14 * 60).map(lambda m: m - m % 15))
    length_minutes = draw(st.integers(60, 22 * 60 - start_minutes).map(lambda m: m - m % 15))
    end_minutes = start_minutes + length_minutes
    pattern = WorkingPattern(
        working_days=draw(st.frozensets(st.integers(0, 6), min_size=1)),
        work_starts=datetime.time(start_minutes // 60, start_minutes % 60),
        work_ends=datetime.time(end_minutes // 60, end_minutes % 60),
        weekly_capacity=draw(st.integers(1, 5)),
    )
    first_day = draw(st.dates(datetime.date(2024, 1, 1), datetime.date(2027, 12, 31)))
    last_day = first_day + datetime.timedelta(days=draw(st.integers(-1, 42)))

    def day(offset: int) -> datetime.date:
        return first_day + datetime.timedelta(days=offset)

    busy_starts = st.builds(
        lambda offset, minutes: at(day(offset), 6) + datetime.timedelta(minutes=minutes),
        st.integers(-1, 43),
        st.integers(0, 15 * 60).map(lambda m: m - m % 15),
    )
    busy = draw(
        st.lists(
            st.builds(
                lambda start, minutes: (
                    start.astimezone(UTC),
                    (start + datetime.timedelta(minutes=minutes)).astimezone(UTC),
                ),
                busy_starts,
                st.integers(15, 300),
            ),
            max_size=25,
        )
    )
    blocked_days = draw(st.sets(st.integers(-1, 43).map(day), max_size=15))
    week_load = draw(
        st.dictionaries(
            st.integers(-1, 7).map(lambda w: week_start(first_day) + datetime.timedelta(weeks=w)),
            st.integers(0, pattern.weekly_capacity + 1),
            max_size=8,
        )
    )
    not_before = at(first_day, 0) + datetime.timedelta(minutes=draw(st.integers(-2 * 24 * 60, 20 * 24 * 60)))
    duration = datetime.timedelta(minutes=draw(st.sampled_from([30, 45, 60, 90, 120, 240])))
    return {
        "pattern": pattern,
        "first_day": first_day,
        "last_day": last_day,
        "duration": duration,
        "busy": busy,
        "blocked_days": blocked_days,
        "week_load": week_load,
        "not_before": not_before,
    }


def is_acceptable(start: datetime.datetime, calendar: dict) -> bool:
    """Every rule a planned visit must keep, each checked on its own."""
    pattern, duration = calendar["pattern"], calendar["duration"]
    local = start.astimezone(STOCKHOLM)
    day = local.date()
    end = start + duration
    return (
        calendar["first_day"] <= day <= calendar["last_day"]
        and day.weekday() in pattern.working_days
        and day not in calendar["blocked_days"]
        and calendar["week_load"].get(week_start(day), 0) < pattern.weekly_capacity
        and at(day, pattern.work_starts.hour, pattern.work_starts.minute) <= start
        and end <= at(day, pattern.work_ends.hour, pattern.work_ends.minute)
        and start >= calendar["not_before"]
        and not any(start < busy_end and busy_start < end for busy_start, busy_end in calendar["busy"])
    )


def every_acceptable_start(calendar: dict) -> list[datetime.datetime]:
    """Brute force: every half-hour start from the beginning of each working day, kept if acceptable."""
    pattern = calendar["pattern"]
    starts = []
    day = calendar["first_day"]
    while day <= calendar["last_day"]:
        start = at(day, pattern.work_starts.hour, pattern.work_starts.minute)
        while start < at(day, pattern.work_ends.hour, pattern.work_ends.minute):
            if is_acceptable(start, calendar):
                starts.append(start)
            start += SLOT_STEP
        day += datetime.timedelta(days=1)
    return starts


@given(calendars())
def test_it_plans_only_inside_working_hours_free_time_and_capacity(calendar):
    start = find_slot(**calendar)

    if start is not None:
        assert is_acceptable(start, calendar)


@given(calendars())
def test_it_plans_the_earliest_acceptable_start_and_none_when_nothing_fits(calendar):
    acceptable = every_acceptable_start(calendar)

    assert find_slot(**calendar) == (acceptable[0] if acceptable else None)


# --- Examples ----------------------------------------------------------------------------------------


def test_it_plans_the_first_hour_of_the_first_working_day():
    assert slot(first_day=datetime.date(2025, 5, 31)) == at(datetime.date(2025, 6, 2), 9)  # Saturday → Monday


def test_it_plans_after_a_busy_interval_on_the_half_hour():
    monday = datetime.date(2025, 6, 2)
    busy = [(at(monday, 9).astimezone(UTC), at(monday, 10, 15).astimezone(UTC))]

    assert slot(busy=busy) == at(monday, 10, 30)


def test_it_does_not_plan_before_not_before():
    monday = datetime.date(2025, 6, 2)

    assert slot(not_before=at(monday, 11, 5)) == at(monday, 11, 30)


def test_it_skips_blocked_days_and_full_weeks():
    first_week, second_week = datetime.date(2025, 6, 2), datetime.date(2025, 6, 9)

    assert slot(week_load={first_week: 10}, blocked_days={second_week}) == at(datetime.date(2025, 6, 10), 9)


def test_it_finds_nothing_when_every_day_is_blocked():
    days = {datetime.date(2025, 6, 2) + datetime.timedelta(days=n) for n in range(12)}

    assert slot(blocked_days=days) is None


def test_it_finds_nothing_when_every_week_is_full():
    full = {datetime.date(2025, 6, 2): 10, datetime.date(2025, 6, 9): 12}

    assert slot(week_load=full) is None


def test_it_finds_nothing_when_the_visit_is_longer_than_the_working_day():
    assert slot(duration=datetime.timedelta(hours=7, minutes=30)) is None


def test_it_finds_nothing_in_a_window_that_ends_before_it_starts():
    assert slot(first_day=datetime.date(2025, 6, 13), last_day=datetime.date(2025, 6, 12)) is None


# --- Holidays ----------------------------------------------------------------------------------------


def test_it_knows_the_swedish_public_holidays_of_a_year():
    days = swedish_public_holidays([2025])

    assert datetime.date(2025, 6, 6) in days  # National Day
    assert datetime.date(2025, 5, 29) in days  # Ascension Day
    assert datetime.date(2025, 12, 25) in days  # Christmas Day
    assert datetime.date(2025, 1, 1) in days
    assert datetime.date(2025, 6, 5) not in days


def test_it_counts_midsummer_christmas_and_new_years_eve_as_holidays():
    # Not public holidays in law, but the Annual Leave Act treats them as such and nobody visits then.
    days = swedish_public_holidays([2025])

    assert {datetime.date(2025, 6, 20), datetime.date(2025, 12, 24), datetime.date(2025, 12, 31)} <= days


def test_it_does_not_list_ordinary_sundays():
    days = swedish_public_holidays([2025])

    sundays = {d for d in days if d.weekday() == 6}
    # Only the Sundays that are holidays in their own right (Easter Day, Whitsun) are there.
    assert sundays <= {datetime.date(2025, 4, 20), datetime.date(2025, 6, 8)}
    assert datetime.date(2025, 3, 2) not in days


def test_it_covers_every_year_of_a_window_across_new_year():
    days = swedish_public_holidays(range(2025, 2027))

    assert {datetime.date(2025, 12, 26), datetime.date(2026, 1, 1), datetime.date(2026, 1, 6)} <= days
    assert {d.year for d in days} == {2025, 2026}
