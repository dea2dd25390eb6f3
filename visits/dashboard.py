"""The manager's dashboard: whether every household was reached, and whom to hire. Reads only.

Everything is computed in five aggregate queries, whatever the number of move-ins and visits: the
database groups and counts, Python only adds up the few grouped rows (months, day counts, visitors,
languages). The median days from move-in to visit is taken from a histogram of day counts (one row per
distinct number of days), which is exact and stays small however many visits there are.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, DurationField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language

from languages.models import Language
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

    months = _months(move_ins, first_day=first_day, last_day=last_day)  # query 1
    histogram = _day_histogram(move_ins)  # query 2
    by_language = _visits_by_language(visits)  # query 3
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
        visitors=_visitors(visits, first_day=first_day, last_day=last_day),  # query 4
        visits_by_language=by_language,
        demand=_demand(move_ins, visits),  # query 5
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


def _months(move_ins: QuerySet[MoveIn], *, first_day: datetime.date, last_day: datetime.date) -> list[MonthRow]:
    rows = (
        move_ins.annotate(month=TruncMonth("move_in_date"))
        .values("month")
        .annotate(
            n=Count("id"),
            decided=Count("id", filter=Q(window_closed=True) | _in_window()),
            in_window=Count("id", filter=_in_window()),
        )
        .order_by("month")
    )
    found = {row["month"]: row for row in rows}
    months = []
    for month in month_starts(first_day, last_day):
        row = found.get(month, {"n": 0, "decided": 0, "in_window": 0})
        months.append(
            MonthRow(month=month, move_ins=row["n"], decided=row["decided"], visited_in_window=row["in_window"])
        )
    return months


def _day_histogram(move_ins: QuerySet[MoveIn]) -> dict[int, int]:
    """{days from move-in to the first completed visit: how many move-ins}: one row per distinct day count."""
    rows = (
        move_ins.filter(days_to_visit__isnull=False)
        .values("days_to_visit")
        .annotate(n=Count("id"))
        .order_by("days_to_visit")
    )
    return {row["days_to_visit"].days: row["n"] for row in rows}


def _visitors(visits: QuerySet[Visit], *, first_day: datetime.date, last_day: datetime.date) -> list[VisitorRow]:
    """Every active visitor, and inactive ones who made visits in the period, with their visits per week."""
    took_time = Q(visits__in=visits, visits__status__in=[Visit.Status.COMPLETED, Visit.Status.NO_SHOW])
    rows = (
        Visitor.objects.annotate(n=Count("visits", filter=took_time))
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
    visit in it, and the interpreter hours booked for it (visits not cancelled). One query over the
    languages, with a subquery per figure, so the three counts cannot multiply each other."""
    households = (
        HouseholdLanguage.objects.filter(language=OuterRef("pk"), rank=1, household__move_ins__in=move_ins.values("id"))
        .values("language")
        .annotate(n=Count("household", distinct=True))
        .values("n")
    )
    speakers = (
        VisitorLanguage.objects.filter(language=OuterRef("pk"), level__gte=CARRYING_LEVEL, visitor__is_active=True)
        .values("language")
        .annotate(n=Count("visitor", distinct=True))
        .values("n")
    )
    interpreter_time = (
        visits.filter(interpreter_language=OuterRef("pk"), interpreter_needed=True)
        .exclude(status=Visit.Status.CANCELLED)
        .values("interpreter_language")
        .annotate(total=Sum(F("ends_at") - F("starts_at"), output_field=DurationField()))
        .values("total")
    )
    zero = Value(0, output_field=IntegerField())
    languages = (
        Language.objects.annotate(
            household_count=Coalesce(Subquery(households, output_field=IntegerField()), zero),
            speaker_count=Coalesce(Subquery(speakers, output_field=IntegerField()), zero),
            interpreter_time=Subquery(interpreter_time, output_field=DurationField()),
        )
        .filter(Q(household_count__gt=0) | Q(interpreter_time__isnull=False))
        .values("code", "name_sv", "name_en", "household_count", "speaker_count", "interpreter_time")
    )
    result = [
        DemandRow(
            code=row["code"],
            name=_name(row["name_sv"], row["name_en"]),
            households=row["household_count"],
            speakers=row["speaker_count"],
            interpreter_hours=round((row["interpreter_time"] or datetime.timedelta()).total_seconds() / 3600, 2),
        )
        for row in languages
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
