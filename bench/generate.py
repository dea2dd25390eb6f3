"""Generated move-ins, households and teams for the benchmarks, at chosen sizes.

The households are drawn exactly as the demo's are (visits.demo: Norrköping's language mix, the names,
household sizes, leases starting mostly on the 1st of a month, registration 7–45 days before moving in),
by the demo's own seeder, so the benchmark measures the data the app is shown with. Generating is pure
(no queries): the same data set feeds the pure solver comparison and, through `write`, the database.

Two sizes:

* "year": about 2,000 move-ins over the 365 days of 2025 with the demo team (three visitors, 39 visits a
  week between them, each away three summer weeks). That team cannot visit 2,000 households a year; how
  many fit is one of the findings.
* "large": 10,000 move-ins over the same year with 30 visitors whose languages follow the same mix and
  whose capacity (10–15 a week each, about 375 a week in all) can carry them.
"""

import dataclasses
import datetime
import random
from collections.abc import Iterable, Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Model

from tenants.models import Apartment, Building, District, Household, HouseholdLanguage, MoveIn
from visits import demo, roles
from visits.batch import BatchMoveIn, BatchVisitor
from visits.models import Absence, Assignment, Visit, Visitor, VisitorLanguage
from visits.scheduling import STOCKHOLM, swedish_public_holidays, week_start

SEED = demo.DEFAULT_SEED
FIRST_DAY = datetime.date(2025, 1, 1)
DAYS = 365
Level = VisitorLanguage.Level


@dataclasses.dataclass
class DataSet:
    name: str
    team: tuple[demo.StaffMember, ...]
    # In order of registration (the order in which they reach the matcher one by one).
    move_ins: list[demo._PlannedMoveIn]
    first_day: datetime.date
    last_day: datetime.date

    @property
    def weekly_capacity(self) -> int:
        return sum(member.weekly_capacity for member in self.team)


def demo_team() -> tuple[demo.StaffMember, ...]:
    return tuple(member for member in demo.STAFF if member.role == roles.VISITOR)


def large_team(size: int = 30, *, seed: int = SEED) -> tuple[demo.StaffMember, ...]:
    """`size` visitors whose first languages follow the households' mix: about half are Swedish speakers
    with English, the others speak Swedish besides their own language and, often, its usual second one.
    Rare languages may end up with no speaker, as in a real team."""
    rng = random.Random(seed + 1)  # noqa: S311 (made-up data, not secrets)
    codes = [code for code, _share, _seconds in demo.LANGUAGE_MIX]
    shares = [share for _code, share, _seconds in demo.LANGUAGE_MIX]
    seconds = {code: second for code, _share, second in demo.LANGUAGE_MIX}
    team = []
    for n in range(1, size + 1):
        native = rng.choices(codes, weights=shares)[0]
        first_names, surnames = (names.split(", ") for names in demo.NAMES[native])
        languages = {native: Level.NATIVE}
        if native != "sv":
            languages["sv"] = Level.FLUENT
            others = {code: weight for code, weight in seconds[native].items() if code and code not in languages}
            if others and rng.random() < 0.6:
                languages[rng.choices(list(others), weights=list(others.values()))[0]] = Level.FLUENT
        if "en" not in languages and rng.random() < 0.5:
            languages["en"] = Level.WORKING
        team.append(
            demo.StaffMember(
                f"visitor{n:02d}",
                rng.choice(first_names),
                rng.choice(surnames),
                roles.VISITOR,
                weekly_capacity=rng.randint(10, 15),
                languages=tuple(languages.items()),
                summer_week=rng.choice(range(25, 33)),
            )
        )
    return tuple(team)


def generate(
    name: str,
    *,
    move_ins: int,
    team: tuple[demo.StaffMember, ...],
    first_day: datetime.date = FIRST_DAY,
    days: int = DAYS,
    seed: int = SEED,
) -> DataSet:
    """About `move_ins` move-ins between first_day and first_day + days - 1, drawn by the demo's seeder.
    Pure: nothing is written."""
    last_day = first_day + datetime.timedelta(days=days - 1)
    # "now" far after the period, so that the demo's clamp of the registration time to the past never bites.
    now = datetime.datetime.combine(last_day + datetime.timedelta(days=400), datetime.time(12), tzinfo=STOCKHOLM)
    seeder = demo._Seeder(rng=random.Random(seed), now=now, years=days / 365, per_year=move_ins)  # noqa: S311
    dates = [first_day + datetime.timedelta(days=n) for n in range(days)]
    drawn = seeder.rng.choices(dates, weights=[seeder._move_in_weight(day) for day in dates], k=move_ins)
    planned = [seeder._plan_move_in(day) for day in drawn]
    planned.sort(key=lambda p: (p.move_in.assignment_requested_at, p.move_in.move_in_date))
    return DataSet(name, team, planned, first_day, last_day)


def registered_at(planned: demo._PlannedMoveIn) -> datetime.datetime:
    """When the move-in reached the matcher: its registration (the demo draws it 7–45 days ahead)."""
    return planned.move_in.assignment_requested_at


def absences(member: demo.StaffMember, first: datetime.date, last: datetime.date) -> list[tuple[datetime.date, ...]]:
    """The three-week summer holiday (as in the demo) of every year touching first–last."""
    spans = []
    for year in range(first.year, last.year + 1):
        starts = datetime.date.fromisocalendar(year, member.summer_week, 1)
        ends = starts + datetime.timedelta(days=20)
        if ends >= first and starts <= last:
            spans.append((starts, ends))
    return spans


# --- Inputs for visits.batch (pure) ------------------------------------------------------------------------


def window(planned: demo._PlannedMoveIn) -> tuple[datetime.date, datetime.date]:
    return planned.move_in.visit_window


def batch_move_ins(data: DataSet) -> list[BatchMoveIn]:
    """One per move-in, ids 1.. in order of registration, with the ISO weeks of its visit window."""
    result = []
    for n, planned in enumerate(data.move_ins, start=1):
        first, last = window(planned)
        weeks = tuple(sorted({week_start(first + datetime.timedelta(days=d)) for d in range((last - first).days + 1)}))
        result.append(BatchMoveIn(n, tuple(planned.languages), weeks))
    return result


def batch_visitors(data: DataSet) -> list[BatchVisitor]:
    """One per visitor, ids 1.., free for their full weekly capacity in every week with a working day
    (Monday–Friday, not a holiday, not on summer holiday): as the service's _batch_visitor with an empty
    calendar."""
    first = week_start(data.first_day)
    last = data.last_day + datetime.timedelta(days=28)  # the last move-ins' windows
    holidays = swedish_public_holidays(range(first.year, last.year + 1))
    visitors = []
    for n, member in enumerate(data.team, start=1):
        away = set()
        for starts, ends in absences(member, first, last):
            away.update(starts + datetime.timedelta(days=d) for d in range((ends - starts).days + 1))
        free = {}
        week = first
        while week <= last:
            days = [week + datetime.timedelta(days=d) for d in range(5)]
            if any(day not in holidays and day not in away for day in days):
                free[week] = member.weekly_capacity
            week += datetime.timedelta(days=7)
        visitors.append(BatchVisitor(n, dict(member.languages), member.weekly_capacity, free))
    return visitors


# --- The database ---------------------------------------------------------------------------------------

# Everything the benchmark writes, emptied between its phases. Only ever run against the benchmark's own
# database (bench.matching creates one); the language table, loaded by migration, is kept.
_TABLES: tuple[type[Model], ...] = (
    Assignment,
    Visit,
    Absence,
    VisitorLanguage,
    Visitor,
    MoveIn,
    HouseholdLanguage,
    Household,
    Apartment,
    Building,
    District,
)


def clear() -> None:
    user_table = get_user_model()._meta.db_table
    tables = ", ".join(model._meta.db_table for model in (*_TABLES,)) + f", {user_table}"
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")


def write_team(team: Sequence[demo.StaffMember], *, first: datetime.date, last: datetime.date) -> list[Visitor]:
    """Users, visitors, their languages and summer holidays, in a handful of bulk inserts."""
    User = get_user_model()
    unusable = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"bench-{m.username}", first_name=m.first_name, last_name=m.last_name, password=unusable)
        for m in team
    )
    visitors = Visitor.objects.bulk_create(
        Visitor(user=user, weekly_capacity=member.weekly_capacity) for user, member in zip(users, team, strict=True)
    )
    VisitorLanguage.objects.bulk_create(
        VisitorLanguage(visitor=visitor, language_id=code, level=level)
        for visitor, member in zip(visitors, team, strict=True)
        for code, level in member.languages
    )
    Absence.objects.bulk_create(
        Absence(visitor=visitor, starts_on=starts, ends_on=ends, reason="Summer holiday")
        for visitor, member in zip(visitors, team, strict=True)
        for starts, ends in absences(member, first, last)
    )
    return visitors


def write_apartments(*, seed: int = SEED) -> list[Apartment]:
    """The demo's Norrköping buildings (by the demo's own code), shuffled."""
    seeder = demo._Seeder(rng=random.Random(seed), now=_now(), years=1, per_year=1)  # noqa: S311
    apartments = seeder._buildings()
    random.Random(seed).shuffle(apartments)  # noqa: S311
    return apartments


def write_households(planned: Sequence[demo._PlannedMoveIn]) -> None:
    """The households and their languages, two bulk inserts (primary keys set on the objects)."""
    Household.objects.bulk_create([p.household for p in planned], batch_size=2000)
    HouseholdLanguage.objects.bulk_create(
        (
            HouseholdLanguage(household=p.household, language_id=code, rank=rank)
            for p in planned
            for rank, code in enumerate(p.languages, start=1)
        ),
        batch_size=2000,
    )


def write_move_ins(
    planned: Iterable[demo._PlannedMoveIn],
    apartments: Sequence[Apartment],
    *,
    prefix: str,
    state: str,
    note: str = "",
) -> list[MoveIn]:
    """Households, their languages and move-ins, three bulk inserts, in the given order."""
    planned = list(planned)
    write_households(planned)
    for n, p in enumerate(planned):
        p.move_in.household = p.household
        p.move_in.apartment = apartments[n % len(apartments)]
        p.move_in.contract_number = f"{prefix}{n + 1:06d}"
        p.move_in.assignment_state = state
        p.move_in.assignment_note = note
    return MoveIn.objects.bulk_create([p.move_in for p in planned], batch_size=2000)


def write(data: DataSet, *, state: str = MoveIn.AssignmentState.AWAITING, note: str = "") -> list[MoveIn]:
    """The whole data set: team, buildings, households and move-ins (in order of registration)."""
    write_team(data.team, first=week_start(data.first_day), last=data.last_day + datetime.timedelta(days=28))
    return write_move_ins(
        data.move_ins, write_apartments(), prefix=f"BENCH-{data.name.upper()}-", state=state, note=note
    )


def _now() -> datetime.datetime:
    return datetime.datetime.now(tz=datetime.UTC)
