"""Finding a time for a visit. Pure functions: no queries, no clock, so they can be tested exhaustively."""

import datetime
import functools
import math
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
    return _holidays(tuple(sorted(set(years))))


@functools.lru_cache(maxsize=64)
def _holidays(years: tuple[int, ...]) -> frozenset[datetime.date]:
    official = holidays.Sweden(years=years, include_sundays=False)
    eves = set()
    for year in years:
        june_19 = datetime.date(year, 6, 19)
        midsummer_eve = june_19 + datetime.timedelta(days=(4 - june_19.weekday()) % 7)  # the Friday 19–25 June
        eves.update({midsummer_eve, datetime.date(year, 12, 24), datetime.date(year, 12, 31)})
    return frozenset(official.keys()) | frozenset(eves)


@dataclass(frozen=True)
class Place:
    """Where a visit happens, as far as travel between visits is concerned."""

    building_id: int | None = None
    district_id: int | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Busy:
    """A visit already in a visitor's calendar."""

    start: datetime.datetime
    end: datetime.datetime
    place: Place | None = None


# Travel time between two places, in minutes.
Travel = Callable[[Place, Place], int]

# How many days later a day may be and still be preferred because the visitor is already in the same
# building (or district) that day: a shorter trip is worth a slightly later visit, not a late one.
SAME_BUILDING_WORTH_DAYS = 4
SAME_DISTRICT_WORTH_DAYS = 2


def travel_minutes(a: Place, b: Place, *, same_district: int = 10, default: int = 30) -> int:
    """No travel inside one building; a short walk inside a district; otherwise by the straight-line
    distance between district centres at town speed, or `default` when a centre is unknown."""
    if a.building_id is not None and a.building_id == b.building_id:
        return 0
    if a.district_id is not None and a.district_id == b.district_id:
        return same_district
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return default
    km = _haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)  # type: ignore[arg-type]
    return max(same_district, 5 * math.ceil((10 + km / 25 * 60) / 5))  # 25 km/h door to door, + 10 min parking


def _haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(h))


def find_slot(
    *,
    pattern: WorkingPattern,
    first_day: datetime.date,
    last_day: datetime.date,
    duration: datetime.timedelta,
    busy: Collection[tuple[datetime.datetime, datetime.datetime] | Busy],
    blocked_days: Collection[datetime.date],
    week_load: Mapping[datetime.date, int],
    not_before: datetime.datetime,
    tz: ZoneInfo = STOCKHOLM,
    place: Place | None = None,
    travel: Travel | None = None,
) -> datetime.datetime | None:
    """A start in [first_day, last_day] inside working hours that overlaps nothing in `busy` (with the
    travel time to and from each neighbouring visit, when `travel` is given), falls on no blocked day
    (holidays, absences), and lies in a week with capacity left.

    Without a `place`, the earliest such start. With one, days on which the visitor is already in the same
    building or district win over earlier days, by up to SAME_BUILDING_WORTH_DAYS/SAME_DISTRICT_WORTH_DAYS.
    """
    spans = [b if isinstance(b, Busy) else Busy(b[0], b[1]) for b in busy]
    best: tuple[int, datetime.datetime] | None = None
    day = first_day
    while day <= last_day:
        offset = (day - first_day).days
        if best is not None and offset - SAME_BUILDING_WORTH_DAYS > best[0]:
            break  # no later day can beat the best one found
        workable = day.weekday() in pattern.working_days and day not in blocked_days
        if workable and week_load.get(week_start(day), 0) < pattern.weekly_capacity:
            start = _first_free_start(day, pattern, duration, spans, not_before, tz, place, travel)
            if start is not None:
                if place is None:
                    return start
                score = offset - _nearby_bonus(day, spans, place, tz)
                if best is None or score < best[0]:
                    best = (score, start)
        day += datetime.timedelta(days=1)
    return best[1] if best else None


def _nearby_bonus(day: datetime.date, spans: list[Busy], place: Place, tz: ZoneInfo) -> int:
    same_day = [b.place for b in spans if b.place is not None and b.start.astimezone(tz).date() == day]
    if place.building_id is not None and any(p.building_id == place.building_id for p in same_day):
        return SAME_BUILDING_WORTH_DAYS
    if place.district_id is not None and any(p.district_id == place.district_id for p in same_day):
        return SAME_DISTRICT_WORTH_DAYS
    return 0


def _first_free_start(
    day: datetime.date,
    pattern: WorkingPattern,
    duration: datetime.timedelta,
    spans: list[Busy],
    not_before: datetime.datetime,
    tz: ZoneInfo,
    place: Place | None,
    travel: Travel | None,
) -> datetime.datetime | None:
    start = datetime.datetime.combine(day, pattern.work_starts, tzinfo=tz)
    day_end = datetime.datetime.combine(day, pattern.work_ends, tzinfo=tz)
    while start + duration <= day_end:
        if start >= not_before and _fits(start, start + duration, spans, place, travel):
            return start
        start += SLOT_STEP
    return None


def _fits(
    start: datetime.datetime, end: datetime.datetime, spans: list[Busy], place: Place | None, travel: Travel | None
) -> bool:
    for b in spans:
        gap_before = gap_after = datetime.timedelta(0)
        if travel is not None and place is not None and b.place is not None:
            gap_before = datetime.timedelta(minutes=travel(b.place, place))  # from the other visit to this one
            gap_after = datetime.timedelta(minutes=travel(place, b.place))
        if start < b.end + gap_before and b.start < end + gap_after:
            return False
    return True


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
