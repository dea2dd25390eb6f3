"""The manager's dashboard: whether every household was reached, and whom to hire. Reads only.

Everything is computed in four aggregate queries, whatever the number of move-ins and visits: the
database groups and counts, Python only adds up the few grouped rows (months, day counts, visitors,
languages). The median days from move-in to visit is taken from a histogram of day counts (one row per
distinct number of days), which is exact and stays small however many visits there are.

Each query reads only the period's rows once (bench/pages.py measures them at company and national scale,
docs/performance.md): no subquery per language or per visitor over the whole history.
"""

import datetime
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    DurationField,
    F,
    Field,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language

from tenants.models import MoveIn
from visits import dashboard_rollups
from visits.dashboard_rollups import with_days_to_visit
from visits.models import (
    DashboardLanguageDay,
    DashboardMoveInDay,
    DashboardVisitDay,
    Visit,
    Visitor,
    VisitorLanguage,
)
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
    from_rollups: bool | None = None,
) -> Dashboard:
    """The dashboard of a period, for one district or all. All districts are read from the rollups (counted
    again first for whatever changed since), a district from its own rows, at most a company's worth;
    `from_rollups` overrides that choice (the test that the two agree)."""
    today = today or timezone.localdate()
    if from_rollups is None:
        from_rollups = district_id is None
    source: _RawSource | _RollupSource
    if from_rollups:
        if district_id is not None:
            raise ValueError("The rollups count all districts together.")
        # One query when nothing changed; a few days are counted again here, many are left to the worker.
        dashboard_rollups.refresh(wait=False, most_days=dashboard_rollups.DAYS_IN_A_REQUEST)
        source = _RollupSource(first_day=first_day, last_day=last_day, today=today)
    else:
        source = _RawSource(first_day=first_day, last_day=last_day, district_id=district_id, today=today)

    figures = list(source.move_in_figures())  # query 1
    months = _months(figures, first_day=first_day, last_day=last_day)
    histogram = _day_histogram(figures)
    by_language = _language_rows(source.visits_by_language())  # query 2
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
        visitors=_visitors(source.visits_per_visitor(), first_day=first_day, last_day=last_day),  # query 3
        visits_by_language=by_language,
        demand=_demand(*source.demand_parts()),  # query 4
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
# Two sources give the same rows: the raw move-ins and visits of a district, and the rollups of the whole
# company (visits.dashboard_rollups keeps them equal; a test compares them). Each part is one query.

# The statuses of visits that took a visitor's time, as counted per visitor and per language.
TOOK_TIME = [Visit.Status.COMPLETED, Visit.Status.NO_SHOW]
# Every status but cancelled, spelled out: the index on status and start then serves the period.
NOT_CANCELLED = [status for status in Visit.Status if status != Visit.Status.CANCELLED]


@dataclass(frozen=True)
class _RawSource:
    first_day: datetime.date
    last_day: datetime.date
    district_id: int | None  # None: all districts
    today: datetime.date

    def move_ins(self) -> QuerySet[MoveIn]:
        move_ins = MoveIn.objects.filter(move_in_date__range=(self.first_day, self.last_day))
        if self.district_id is None:
            return move_ins
        return move_ins.filter(apartment__building__district_id=self.district_id)

    def visits(self) -> QuerySet[Visit]:
        """Visits that start (Stockholm time) in the period, in the district's buildings."""
        starts = datetime.datetime.combine(self.first_day, datetime.time(), tzinfo=STOCKHOLM)
        ends = datetime.datetime.combine(self.last_day + datetime.timedelta(days=1), datetime.time(), tzinfo=STOCKHOLM)
        visits = Visit.objects.filter(starts_at__gte=starts, starts_at__lt=ends)
        if self.district_id is None:
            return visits
        return visits.filter(move_in__apartment__building__district_id=self.district_id)

    def move_in_figures(self) -> QuerySet:
        return _move_in_figures(
            with_days_to_visit(self.move_ins()),
            weight=lambda **filter_: Count("id", **filter_),
            days=lambda n: datetime.timedelta(days=n),
            days_field=DurationField(),
            today=self.today,
        )

    def visits_by_language(self) -> QuerySet:
        return (
            self.visits()
            .filter(status__in=TOOK_TIME)
            .values("language_id", "language__name_sv", "language__name_en")
            .annotate(
                completed=Count("id", filter=Q(status=Visit.Status.COMPLETED)),
                no_shows=Count("id", filter=Q(status=Visit.Status.NO_SHOW)),
            )
        )

    def visits_per_visitor(self) -> QuerySet:
        """A subquery: the visits of the visitor (OuterRef) in the period that took their time. It reads only
        that visitor's visits in the period (the index on visitor and start)."""
        return (
            self.visits()
            .filter(visitor=OuterRef("pk"), status__in=TOOK_TIME)
            .order_by()
            .values("visitor")
            .annotate(n=Count("id"))
            .values("n")
        )

    def demand_parts(self) -> tuple[QuerySet, QuerySet]:
        """(move-ins by their household's first language, interpreter time by language) as
        (code, name_sv, name_en, n) and (code, name_sv, name_en, time) values."""
        language = "household__language_preferences__language"
        households = (
            self.move_ins()
            .filter(household__language_preferences__rank=1)
            .values(f"{language}_id", f"{language}__name_sv", f"{language}__name_en")
            .annotate(n=Count("id"))
        )
        interpreter_time = (
            self.visits()
            .filter(interpreter_needed=True, status__in=NOT_CANCELLED)
            .values("interpreter_language_id", "interpreter_language__name_sv", "interpreter_language__name_en")
            .annotate(time=Sum(F("ends_at") - F("starts_at"), output_field=DurationField()))
        )
        return households, interpreter_time


@dataclass(frozen=True)
class _RollupSource:
    first_day: datetime.date
    last_day: datetime.date
    today: datetime.date

    def rows(self, date_field: str, *, decided_only: bool = False) -> Q:
        """The rollup rows that add up to the period: the rows of the whole months inside it and the day rows
        of the days before and after those. With decided_only, a month counts as whole only once every
        move-in of it has its window closed (its "decided" figure is then the same for all its days)."""
        closed_before = _closed_before(self.today) if decided_only else None
        months = _whole_months(self.first_day, self.last_day, closed_before)
        if not months:
            return Q(whole_month=False, **{f"{date_field}__range": (self.first_day, self.last_day)})
        first, last = months[0], _month_end(months[-1])
        return (
            Q(whole_month=True, **{f"{date_field}__range": (first, last)})
            | Q(whole_month=False, **{f"{date_field}__gte": self.first_day, f"{date_field}__lt": first})
            | Q(whole_month=False, **{f"{date_field}__gt": last, f"{date_field}__lte": self.last_day})
        )

    def visit_days(self, kind: str) -> QuerySet[DashboardVisitDay]:
        return DashboardVisitDay.objects.filter(self.rows("day"), kind=kind)

    def move_in_figures(self) -> QuerySet:
        return _move_in_figures(
            DashboardMoveInDay.objects.filter(self.rows("move_in_date", decided_only=True)),
            weight=lambda **filter_: Coalesce(Sum("move_ins", **filter_), 0),
            days=lambda n: n,
            days_field=IntegerField(),
            today=self.today,
        )

    def visits_by_language(self) -> QuerySet:
        return (
            self.visit_days(DashboardVisitDay.Kind.LANGUAGE)
            .values("language_id", "language__name_sv", "language__name_en")
            .annotate(completed=Sum("completed"), no_shows=Sum("no_shows"))
            .order_by()
        )

    def visits_per_visitor(self) -> QuerySet:
        return (
            self.visit_days(DashboardVisitDay.Kind.VISITOR)
            .filter(visitor=OuterRef("pk"))
            .order_by()
            .values("visitor")
            .annotate(n=Sum(F("completed") + F("no_shows")))
            .values("n")
        )

    def demand_parts(self) -> tuple[QuerySet, QuerySet]:
        households = (
            DashboardLanguageDay.objects.filter(self.rows("move_in_date"))
            .values("language_id", "language__name_sv", "language__name_en")
            .annotate(n=Sum("move_ins"))
        )
        interpreter_time = (
            self.visit_days(DashboardVisitDay.Kind.INTERPRETER)
            .values("language_id", "language__name_sv", "language__name_en")
            .annotate(time=Sum("interpreter_time"))
        )
        return households, interpreter_time


@functools.lru_cache(maxsize=64)
def _whole_months(
    first_day: datetime.date, last_day: datetime.date, closed_before: datetime.date | None
) -> list[datetime.date]:
    """The months wholly inside the period (and, given closed_before, wholly before it)."""
    return [
        month
        for month in month_starts(first_day, last_day)
        if month >= first_day
        and _month_end(month) <= last_day
        and (closed_before is None or _month_end(month) < closed_before)
    ]


def _month_end(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)


def _closed_before(today: datetime.date) -> datetime.date:
    """Move-ins before this day have had their visit window close by today."""
    return today - datetime.timedelta(days=settings.VISIT_WINDOW_END_DAYS)


def _move_in_figures(
    rows: QuerySet,
    *,
    weight: Callable[..., Aggregate | Coalesce],
    days: Callable[[int], object],
    days_field: Field,
    today: datetime.date,
) -> QuerySet:
    """One query, two groupings put together with UNION ALL: per month the move-ins, those decided (window
    closed, or visited within it) and those visited within the window (day count NULL); and per day count
    the move-ins first visited that many days after moving in (month NULL), the histogram the median and
    the early and late visits come from. `rows` are move-ins or rollup rows with days_to_visit, counted by
    `weight`; `days` turns a number of days into what days_to_visit holds."""
    in_window = Q(
        days_to_visit__gte=days(settings.VISIT_WINDOW_START_DAYS),
        days_to_visit__lte=days(settings.VISIT_WINDOW_END_DAYS),
    )
    columns = ("month", "days", "n", "decided", "in_window")
    no_days = Cast(Value(None), output_field=days_field)
    no_month = Cast(Value(None), output_field=DateField())
    zero = Value(0, output_field=IntegerField())
    by_month = (
        rows.annotate(month=TruncMonth("move_in_date"))
        .values("month")
        .annotate(
            days=no_days,
            n=weight(),
            decided=weight(filter=_window_closed(today) | in_window),
            in_window=weight(filter=in_window),
        )
        .values_list(*columns)
        .order_by()
    )
    by_days = (
        rows.filter(days_to_visit__isnull=False)
        .annotate(days=F("days_to_visit"))
        .values("days")
        .annotate(month=no_month, n=weight(), decided=zero, in_window=zero)
        .values_list(*columns)
        .order_by()
    )
    return by_month.union(by_days, all=True)


def _window_closed(today: datetime.date) -> Q:
    """Whether a move-in's visit window has closed by today (its outcome is decided)."""
    return Q(move_in_date__lt=_closed_before(today))


def _days(days: int | datetime.timedelta) -> int:
    """Days to the visit: a timedelta from the raw rows, a whole number from the rollup."""
    return days if isinstance(days, int) else days.days


def _months(figures: list[tuple], *, first_day: datetime.date, last_day: datetime.date) -> list[MonthRow]:
    found = {month: (n, decided, in_window) for month, _days, n, decided, in_window in figures if month is not None}
    months = []
    for month in month_starts(first_day, last_day):
        n, decided, in_window = found.get(month, (0, 0, 0))
        months.append(MonthRow(month=month, move_ins=n, decided=decided, visited_in_window=in_window))
    return months


def _day_histogram(figures: list[tuple]) -> dict[int, int]:
    """{days from move-in to the first completed visit: how many move-ins}: one entry per distinct day count."""
    return dict(sorted((_days(days), n) for month, days, n, _decided, _in_window in figures if month is None))


def _visitors(per_visitor: QuerySet, *, first_day: datetime.date, last_day: datetime.date) -> list[VisitorRow]:
    """Every active visitor, and inactive ones who made visits in the period, with their visits per week;
    `per_visitor` counts one visitor's visits of the period (a subquery on OuterRef("pk"))."""
    rows = (
        Visitor.objects.annotate(n=Coalesce(Subquery(per_visitor, output_field=IntegerField()), 0))
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


def _language_rows(rows: QuerySet) -> list[LanguageVisitsRow]:
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


def _demand(households: QuerySet, interpreter_time: QuerySet) -> list[DemandRow]:
    """Per language: move-ins of the period whose household's first language it is, the visitors who can
    carry a visit in it, and the interpreter hours booked for it (visits not cancelled). One query: three
    grouped counts, each over its own table, put together with UNION ALL so that they cannot multiply each
    other."""
    zero = Value(0, output_field=IntegerField())
    # Typed, so that PostgreSQL can match it with the interpreter time in the third part of the UNION.
    no_time = Cast(Value(None), output_field=DurationField())
    columns = ("households", "speakers", "interpreter_time")
    speakers = (
        VisitorLanguage.objects.filter(level__gte=CARRYING_LEVEL, visitor__is_active=True)
        .values("language_id", "language__name_sv", "language__name_en")
        .annotate(households=zero, speakers=Count("visitor", distinct=True), interpreter_time=no_time)
        .values_list("language_id", "language__name_sv", "language__name_en", *columns)
    )
    households = households.annotate(households=F("n"), speakers=zero, interpreter_time=no_time)
    interpreter_time = interpreter_time.annotate(households=zero, speakers=zero, interpreter_time=F("time"))
    found: dict[str, list] = {}
    for code, name_sv, name_en, n, speaking, time in _values(households, columns).union(
        speakers.order_by(), _values(interpreter_time, columns), all=True
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


def _values(queryset: QuerySet, columns: tuple[str, ...]) -> QuerySet:
    """The language's code and names (whatever the relation is called) and `columns`, in that order."""
    names = [name for name in queryset.query.values_select]
    return queryset.values_list(*names[:3], *columns).order_by()


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
