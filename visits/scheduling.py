"""Finding a time for a visit. Pure functions: no queries, no clock, so they can be tested exhaustively."""

import datetime
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SLOT_STEP = datetime.timedelta(minutes=30)


@dataclass(frozen=True)
class WorkingPattern:
    working_days: frozenset[int]  # 0 = Monday
    work_starts: datetime.time
    work_ends: datetime.time
    weekly_capacity: int


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def swedish_public_holidays(years: Iterable[int]) -> frozenset[datetime.date]:
    """Public holidays and the three eves Swedish workplaces treat as holidays (midsummer eve, Christmas
    eve, New Year's eve). Sundays are not listed: they are simply not a visitor's working day."""
    years = list(years)
    official = holidays.Sweden(years=years, include_sundays=False)
    eves = set()
    for year in years:
        june_19 = datetime.date(year, 6, 19)
        midsummer_eve = june_19 + datetime.timedelta(days=(4 - june_19.weekday()) % 7)  # the Friday 19–25 June
        eves.update({midsummer_eve, datetime.date(year, 12, 24), datetime.date(year, 12, 31)})
    return frozenset(official.keys()) | frozenset(eves)


def find_slot(
    *,
    pattern: WorkingPattern,
    first_day: datetime.date,
    last_day: datetime.date,
    duration: datetime.timedelta,
    busy: Collection[tuple[datetime.datetime, datetime.datetime]],
    blocked_days: Collection[datetime.date],
    week_load: Mapping[datetime.date, int],
    not_before: datetime.datetime,
    tz: ZoneInfo = STOCKHOLM,
) -> datetime.datetime | None:
    """The earliest start in [first_day, last_day] inside working hours that overlaps nothing in `busy`,
    falls on no blocked day (holidays, absences), and lies in a week with capacity left."""
    day = first_day
    while day <= last_day:
        workable = day.weekday() in pattern.working_days and day not in blocked_days
        if workable and week_load.get(week_start(day), 0) < pattern.weekly_capacity:
            start = _first_free_start(day, pattern, duration, busy, not_before, tz)
            if start is not None:
                return start
        day += datetime.timedelta(days=1)
    return None


def _first_free_start(
    day: datetime.date,
    pattern: WorkingPattern,
    duration: datetime.timedelta,
    busy: Collection[tuple[datetime.datetime, datetime.datetime]],
    not_before: datetime.datetime,
    tz: ZoneInfo,
) -> datetime.datetime | None:
    start = datetime.datetime.combine(day, pattern.work_starts, tzinfo=tz)
    day_end = datetime.datetime.combine(day, pattern.work_ends, tzinfo=tz)
    while start + duration <= day_end:
        end = start + duration
        if start >= not_before and not any(start < b_end and b_start < end for b_start, b_end in busy):
            return start
        start += SLOT_STEP
    return None


def days_between(
    first: datetime.date, last: datetime.date, keep: Callable[[datetime.date], bool]
) -> set[datetime.date]:
    days = set()
    day = first
    while day <= last:
        if keep(day):
            days.add(day)
        day += datetime.timedelta(days=1)
    return days
