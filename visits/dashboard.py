"""The manager's dashboard: whether every household was reached, and whom to hire. Reads only.

Everything is computed in four aggregate queries, whatever the number of move-ins and visits: the
database groups and counts, Python only adds up the few grouped rows (months, day counts, visitors,
languages). The median days from move-in to visit is taken from a histogram of day counts (one row per
distinct number of days), which is exact and stays small however many visits there are.

Each query reads only the period's rows once (bench/pages.py measures them at company and national scale,
docs/performance.md): no subquery per language or per visitor over the whole history.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, DurationField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language

from tenants.models import HouseholdLanguage, MoveIn
from visits.models import Visit, Visitor, VisitorLanguage
from visits.scheduling import STOCKHOLM

# A visitor who speaks a language at this level or above can carry a visit in it without an interpreter.
CARRYING_LEVEL = VisitorLanguage.Level.WORKING


@dataclass(frozen=True)
class MonthRow:
    month: datetime.date  # the first day of the month
    move_ins: int
    # Move-ins whose outcome is known: the window has closed, or they were visited within it.
    decided: int
    visited_in_window: int

    @property
    def share_in_window(self) -> float | None:
        return _percent(self.visited_in_window, self.decided)


@dataclass(frozen=True)
class VisitorRow:
    name: str
    is_active: bool
    weekly_capacity: int
    # Visits that took the visitor's time: completed and no-shows.
    visits: int
    visits_per_week: float
    share_of_capacity: float | None


@dataclass(frozen=True)
class LanguageVisitsRow:
    code: str  # "" for visits whose language was not recorded
    name: str
    completed: int
    no_shows: int


@dataclass(frozen=True)
class DemandRow:
    code: str
    name: str
    households: int  # households in the period whose first language this is
    speakers: int  # active visitors who can carry a visit in it
    interpreter_hours: float


@dataclass(frozen=True)
class Dashboard:
    first_day: datetime.date
    last_day: datetime.date
    district_id: int | None
    move_ins: int
    decided: int
    visited_in_window: int
    visited_late: int
    visited_early: int
    median_days_to_visit: float | None
    completed_visits: int
    no_shows: int
    months: list[MonthRow] = field(default_factory=list)
    visitors: list[VisitorRow] = field(default_factory=list)
    visits_by_language: list[LanguageVisitsRow] = field(default_factory=list)
    demand: list[DemandRow] = field(default_factory=list)

    @property
    def share_in_window(self) -> float | None:
        """Percent of the decided move-ins visited within the window: the programme promises 100."""
        return _percent(self.visited_in_window, self.decided)

    @property
    def no_show_rate(self) -> float | None:
        return _percent(self.no_shows, self.completed_visits + self.no_shows)

    @property
    def unspoken_demand(self) -> list[DemandRow]:
        """The languages households need and nobody in the team speaks: whom to hire."""
        return [row for row in self.demand if row.speakers == 0]


def dashboard(
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    district_id: int | None = None,
    today: datetime.date | None = None,
) -> Dashboard:
    today = today or timezone.localdate()
    move_ins = _move_ins(first_day=first_day, last_day=last_day, district_id=district_id, today=today)
    visits = _visits(first_day=first_day, last_day=last_day, district_id=district_id)

    counts = _move_in_counts(move_ins)  # query 1
    months = _months(counts, first_day=first_day, last_day=last_day)
    histogram = _day_histogram(counts)
    by_language = _visits_by_language(visits)  # query 2
    start, end = settings.VISIT_WINDOW_START_DAYS, settings.VISIT_WINDOW_END_DAYS
    return Dashboard(
        first_day=first_day,
        last_day=last_day,
        district_id=district_id,
        move_ins=sum(row.move_ins for row in months),
        decided=sum(row.decided for row in months),
        visited_in_window=sum(row.visited_in_window for row in months),
        visited_late=sum(n for days, n in histogram.items() if days > end),
        visited_early=sum(n for days, n in histogram.items() if days < start),
        median_days_to_visit=median_of_histogram(histogram),
        completed_visits=sum(row.completed for row in by_language),
        no_shows=sum(row.no_shows for row in by_language),
        months=months,
        visitors=_visitors(visits, first_day=first_day, last_day=last_day),  # query 3
        visits_by_language=by_language,
        demand=_demand(move_ins, visits),  # query 4
    )


def median_of_histogram(histogram: dict[int, int]) -> float | None:
    """The exact median of the values that `histogram` counts ({value: how many times}). No queries."""
    total = sum(histogram.values())
    if total == 0:
        return None
    # The median is the mean of the values at 0-based positions (total - 1) // 2 and total // 2.
    wanted = [(total - 1) // 2, total // 2]
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while wanted and wanted[0] < seen:
            wanted.pop(0)
            found.append(value)
    return (found[0] + found[1]) / 2


# --- The queries -------------------------------------------------------------------------------------


def _move_ins(
    *, first_day: datetime.date, last_day: datetime.date, district_id: int | None, today: datetime.date
) -> QuerySet[MoveIn]:
    """Move-ins of the period, each with the days from move-in to its first completed visit (None when not
    visited) and whether its window has closed by today."""
    first_visit = (
        Visit.objects.filter(move_in=OuterRef("pk"), status=Visit.Status.COMPLETED)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    window_closed_before = today - datetime.timedelta(days=settings.VISIT_WINDOW_END_DAYS)
    queryset = MoveIn.objects.filter(move_in_date__range=(first_day, last_day))
    if district_id is not None:
        queryset = queryset.filter(apartment__building__district_id=district_id)
    return queryset.annotate(
        visit_day=TruncDate(Subquery(first_visit), tzinfo=STOCKHOLM),
        days_to_visit=F("visit_day") - F("move_in_date"),
        window_closed=Q(move_in_date__lt=window_closed_before),
    )


def _in_window() -> Q:
    return Q(
        days_to_visit__gte=datetime.timedelta(days=settings.VISIT_WINDOW_START_DAYS),
        days_to_visit__lte=datetime.timedelta(days=settings.VISIT_WINDOW_END_DAYS),
    )


def _visits(*, first_day: datetime.date, last_day: datetime.date, district_id: int | None) -> QuerySet[Visit]:
    """Visits that start (Stockholm time) in the period, in the district's buildings."""
    starts = datetime.datetime.combine(first_day, datetime.time(), tzinfo=STOCKHOLM)
    ends = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time(), tzinfo=STOCKHOLM)
    queryset = Visit.objects.filter(starts_at__gte=starts, starts_at__lt=ends)
    if district_id is not None:
        queryset = queryset.filter(move_in__apartment__building__district_id=district_id)
    return queryset


def _move_in_counts(move_ins: QuerySet[MoveIn]) -> list[dict]:
    """Move-ins counted by (month, window closed, days to the first completed visit): a few rows per month,
    from which both the trend and the day histogram are added up. One query, one pass over the period."""
    return list(
        move_ins.annotate(month=TruncMonth("move_in_date"))
        .values("month", "window_closed", "days_to_visit")
        .annotate(n=Count("id"))
        .order_by()
    )


def _days(row: dict) -> int | None:
    return None if row["days_to_visit"] is None else row["days_to_visit"].days


def _months(counts: list[dict], *, first_day: datetime.date, last_day: datetime.date) -> list[MonthRow]:
    start, end = settings.VISIT_WINDOW_START_DAYS, settings.VISIT_WINDOW_END_DAYS
    found: dict[datetime.date, dict[str, int]] = {}
    for row in counts:
        month = found.setdefault(row["month"], {"n": 0, "decided": 0, "in_window": 0})
        days = _days(row)
        in_window = days is not None and start <= days <= end
        month["n"] += row["n"]
        month["decided"] += row["n"] if row["window_closed"] or in_window else 0
        month["in_window"] += row["n"] if in_window else 0
    months = []
    for month in month_starts(first_day, last_day):
        row = found.get(month, {"n": 0, "decided": 0, "in_window": 0})
        months.append(
            MonthRow(month=month, move_ins=row["n"], decided=row["decided"], visited_in_window=row["in_window"])
        )
    return months


def _day_histogram(counts: list[dict]) -> dict[int, int]:
    """{days from move-in to the first completed visit: how many move-ins}: one entry per distinct day count."""
    histogram: dict[int, int] = {}
    for row in counts:
        days = _days(row)
        if days is not None:
            histogram[days] = histogram.get(days, 0) + row["n"]
    return dict(sorted(histogram.items()))


def _visitors(visits: QuerySet[Visit], *, first_day: datetime.date, last_day: datetime.date) -> list[VisitorRow]:
    """Every active visitor, and inactive ones who made visits in the period, with their visits per week.
    The visits are counted per visitor by a subquery that reads only the visitor's visits in the period
    (the index on visitor and start), not every visit they ever made."""
    took_time = (
        visits.filter(visitor=OuterRef("pk"), status__in=[Visit.Status.COMPLETED, Visit.Status.NO_SHOW])
        .order_by()
        .values("visitor")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        Visitor.objects.annotate(n=Coalesce(Subquery(took_time, output_field=IntegerField()), 0))
        .filter(Q(is_active=True) | Q(n__gt=0))
        .select_related("user")
    )
    weeks = ((last_day - first_day).days + 1) / 7
    result = []
    for visitor in rows:
        per_week = round(visitor.n / weeks, 2)
        result.append(
            VisitorRow(
                name=str(visitor),
                is_active=visitor.is_active,
                weekly_capacity=visitor.weekly_capacity,
                visits=visitor.n,
                visits_per_week=per_week,
                share_of_capacity=_percent(visitor.n / weeks, visitor.weekly_capacity),
            )
        )
    return result


def _visits_by_language(visits: QuerySet[Visit]) -> list[LanguageVisitsRow]:
    rows = (
        visits.filter(status__in=[Visit.Status.COMPLETED, Visit.Status.NO_SHOW])
        .values("language_id", "language__name_sv", "language__name_en")
        .annotate(
            completed=Count("id", filter=Q(status=Visit.Status.COMPLETED)),
            no_shows=Count("id", filter=Q(status=Visit.Status.NO_SHOW)),
        )
    )
    result = [
        LanguageVisitsRow(
            code=row["language_id"] or "",
            name=_name(row["language__name_sv"], row["language__name_en"]),
            completed=row["completed"],
            no_shows=row["no_shows"],
        )
        for row in rows
    ]
    return sorted(result, key=lambda row: (-row.completed, row.name))


def _demand(move_ins: QuerySet[MoveIn], visits: QuerySet[Visit]) -> list[DemandRow]:
    """Per language: households of the period whose first language it is, the visitors who can carry a
    visit in it, and the interpreter hours booked for it (visits not cancelled). One query: three grouped
    counts, each over its own table, put together with UNION ALL so that they cannot multiply each other."""
    zero = Value(0, output_field=IntegerField())
    # Typed, so that PostgreSQL can match it with the interpreter time in the third part of the UNION.
    no_time = Cast(Value(None), output_field=DurationField())
    columns = ("households", "speakers", "interpreter_time")
    households = (
        HouseholdLanguage.objects.filter(rank=1, household_id__in=move_ins.values("household_id"))
        .values("language_id", "language__name_sv", "language__name_en")
        .annotate(households=Count("household", distinct=True), speakers=zero, interpreter_time=no_time)
        .values_list("language_id", "language__name_sv", "language__name_en", *columns)
    )
    speakers = (
        VisitorLanguage.objects.filter(level__gte=CARRYING_LEVEL, visitor__is_active=True)
        .values("language_id", "language__name_sv", "language__name_en")
        .annotate(households=zero, speakers=Count("visitor", distinct=True), interpreter_time=no_time)
        .values_list("language_id", "language__name_sv", "language__name_en", *columns)
    )
    # Every status but cancelled, spelled out: the index on status and start then serves the period (a
    # visit that needs an interpreter always has its language: a constraint says so).
    not_cancelled = [status for status in Visit.Status if status != Visit.Status.CANCELLED]
    interpreter_time = (
        visits.filter(interpreter_needed=True, status__in=not_cancelled)
        .values("interpreter_language_id", "interpreter_language__name_sv", "interpreter_language__name_en")
        .annotate(
            households=zero,
            speakers=zero,
            interpreter_time=Sum(F("ends_at") - F("starts_at"), output_field=DurationField()),
        )
        .values_list(
            "interpreter_language_id", "interpreter_language__name_sv", "interpreter_language__name_en", *columns
        )
        .order_by()
    )
    found: dict[str, list] = {}
    for code, name_sv, name_en, n, speaking, time in households.order_by().union(
        speakers.order_by(), interpreter_time, all=True
    ):
        row = found.setdefault(code, [name_sv, name_en, 0, 0, None])
        row[2] += n
        row[3] += speaking
        if time is not None:
            row[4] = (row[4] or datetime.timedelta()) + time
    result = [
        DemandRow(
            code=code,
            name=_name(name_sv, name_en),
            households=n,
            speakers=speaking,
            interpreter_hours=round((time or datetime.timedelta()).total_seconds() / 3600, 2),
        )
        for code, (name_sv, name_en, n, speaking, time) in found.items()
        if n > 0 or time is not None
    ]
    # Unspoken languages first (they tell whom to hire), then by demand.
    return sorted(result, key=lambda row: (row.speakers > 0, -row.households, -row.interpreter_hours, row.name))


# --- Small helpers ------------------------------------------------------------------------------------


def month_starts(first_day: datetime.date, last_day: datetime.date) -> list[datetime.date]:
    month = first_day.replace(day=1)
    months = []
    while month <= last_day:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _name(name_sv: str | None, name_en: str | None) -> str:
    """A language's name in the UI language, as Language.name gives it; "" for visits without one."""
    return (name_en if (get_language() or "sv").startswith("en") else name_sv) or ""
