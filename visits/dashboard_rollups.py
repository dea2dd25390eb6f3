"""Keeping the dashboard's rollups (visits.models.Dashboard*Day) equal to what they summarise (issue 8).

Database triggers (visits/dashboard_triggers.py) mark every day whose numbers a change touched, in the
change's own transaction. `refresh` counts those days again from the raw rows – the same expressions the
dashboard uses when it reads raw rows (a district's figures) – replacing their rollup rows, and removes the
marks it handled. It runs when the dashboard is read (so a manager never sees numbers older than the last
commit), every few minutes on the worker, and as a full `rebuild` at night and after bulk loads.

Counting a day again is idempotent, so a refresh that crashes or runs twice does no harm: its transaction
rolls back and the marks stay. Refreshes take turns (a PostgreSQL advisory lock), because two that
recounted the same day at once would both insert its rows; the dashboard does not wait for another
refresh, it reads what is there.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate, TruncMonth

from tenants.models import MoveIn
from visits.models import DashboardLanguageDay, DashboardMoveInDay, DashboardStale, DashboardVisitDay, Visit
from visits.scheduling import STOCKHOLM

Rollup = DashboardMoveInDay | DashboardLanguageDay | DashboardVisitDay

# PostgreSQL advisory lock key for refreshes: any constant no other part of the app uses.
LOCK_KEY = 80_120_009
# Recounting more days than this at once is done as a recount of everything (one pass, no long IN lists).
MAX_DAYS_AT_ONCE = 400
CHUNK = 500
# The most days a dashboard request counts again itself; more are left to the worker's refresh (every five
# minutes): a day takes 1–20 ms to count, from company to national scale.
DAYS_IN_A_REQUEST = 31


@dataclass(frozen=True)
class Refreshed:
    marks: int
    move_in_days: int  # -1: every day
    visit_days: int


def refresh(*, wait: bool = True, most_days: int | None = None) -> Refreshed:
    """Count again the days marked stale. With wait=False, return at once if another refresh is running;
    with most_days, leave the work to the worker if more days than that are marked (a request should not
    count a year's import again: seconds at national scale)."""
    if not DashboardStale.objects.exists():  # the usual case: one query, no transaction
        return Refreshed(0, 0, 0)
    with transaction.atomic():
        marks = _claim_marks(wait=wait)
        if not marks:
            return Refreshed(0, 0, 0)
        move_in_dates = {date for _id, date, _day in marks if date is not None}
        visit_days = {day for _id, _date, day in marks if day is not None}
        if most_days is not None and len(move_in_dates | visit_days) > most_days:
            return Refreshed(0, 0, 0)
        move_in_dates_or_all = None if len(move_in_dates) > MAX_DAYS_AT_ONCE else move_in_dates
        visit_days_or_all = None if len(visit_days) > MAX_DAYS_AT_ONCE else visit_days
        if move_in_dates:
            _recount_move_ins(move_in_dates_or_all)
        if visit_days:
            _recount_visits(visit_days_or_all)
        ids = [mark_id for mark_id, _date, _day in marks]
        for start in range(0, len(ids), CHUNK):
            DashboardStale.objects.filter(id__in=ids[start : start + CHUNK]).delete()
    return Refreshed(
        len(marks),
        -1 if move_in_dates_or_all is None else len(move_in_dates),
        -1 if visit_days_or_all is None else len(visit_days),
    )


def rebuild() -> Refreshed:
    """Count every day again (nightly, and after bulk loads that bypass the triggers)."""
    with transaction.atomic():
        marks = _claim_marks(wait=True)
        _recount_move_ins(None)
        _recount_visits(None)
        ids = [mark_id for mark_id, _date, _day in marks]
        for start in range(0, len(ids), CHUNK):
            DashboardStale.objects.filter(id__in=ids[start : start + CHUNK]).delete()
    return Refreshed(len(marks), -1, -1)


def _claim_marks(*, wait: bool) -> list[tuple[int, datetime.date | None, datetime.date | None]]:
    """The marks to handle, under the refresh lock (PostgreSQL). Without waiting, the lock is tried in the
    WHERE clause: a lock held elsewhere gives no rows."""
    columns = "id, move_in_date, visit_day"
    if connection.vendor != "postgresql":
        return list(DashboardStale.objects.values_list("id", "move_in_date", "visit_day"))
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            cursor.execute(f"SELECT {columns} FROM visits_dashboardstale")  # noqa: S608 (constants)
        else:
            cursor.execute(
                f"SELECT {columns} FROM visits_dashboardstale WHERE pg_try_advisory_xact_lock(%s)",  # noqa: S608
                [LOCK_KEY],
            )
        return cursor.fetchall()


# --- Counting ---------------------------------------------------------------------------------------------


def with_days_to_visit(move_ins: QuerySet[MoveIn]) -> QuerySet[MoveIn]:
    """Each move-in with the days from its move-in date to the day (Stockholm) of its first completed visit,
    as a timedelta (None: not visited). The dashboard's raw reads and the rollups count with this."""
    first_visit = (
        Visit.objects.filter(move_in=OuterRef("pk"), status=Visit.Status.COMPLETED)
        .order_by("starts_at")
        .values("starts_at")[:1]
    )
    return move_ins.annotate(
        visit_day=TruncDate(Subquery(first_visit), tzinfo=STOCKHOLM),
        days_to_visit=F("visit_day") - F("move_in_date"),
    )


def _recount_move_ins(dates: set[datetime.date] | None) -> None:
    """Replace the move-in rollups of these move-in dates (None: all) with fresh counts."""
    move_ins = MoveIn.objects.all() if dates is None else MoveIn.objects.filter(move_in_date__in=dates)
    old_days = DashboardMoveInDay.objects.filter(whole_month=False)
    old_languages = DashboardLanguageDay.objects.filter(whole_month=False)
    if dates is not None:
        old_days = old_days.filter(move_in_date__in=dates)
        old_languages = old_languages.filter(move_in_date__in=dates)
    old_days.delete()
    old_languages.delete()
    counted = with_days_to_visit(move_ins).values("move_in_date", "days_to_visit").annotate(n=Count("id")).order_by()
    DashboardMoveInDay.objects.bulk_create(
        DashboardMoveInDay(
            move_in_date=row["move_in_date"],
            days_to_visit=None if row["days_to_visit"] is None else row["days_to_visit"].days,
            move_ins=row["n"],
        )
        for row in counted
    )
    by_language = (
        move_ins.filter(household__language_preferences__rank=1)
        .values("move_in_date", "household__language_preferences__language_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    DashboardLanguageDay.objects.bulk_create(
        DashboardLanguageDay(
            move_in_date=row["move_in_date"],
            language_id=row["household__language_preferences__language_id"],
            move_ins=row["n"],
        )
        for row in by_language
    )
    months = None if dates is None else {date.replace(day=1) for date in dates}
    _recount_months(DashboardMoveInDay, "move_in_date", ["days_to_visit"], ["move_ins"], months)
    _recount_months(DashboardLanguageDay, "move_in_date", ["language_id"], ["move_ins"], months)


def _recount_visits(days: set[datetime.date] | None) -> None:
    """Replace the visit rollups of these days (Stockholm; None: all) with fresh counts."""
    old = DashboardVisitDay.objects.filter(whole_month=False)
    if days is not None:
        old = old.filter(day__in=days)
    old.delete()
    visits = Visit.objects.all() if days is None else Visit.objects.filter(_on_days(days))
    visits = visits.annotate(day=TruncDate("starts_at", tzinfo=STOCKHOLM))
    took_time = visits.filter(status__in=[Visit.Status.COMPLETED, Visit.Status.NO_SHOW])
    counts = {
        "completed": Count("id", filter=Q(status=Visit.Status.COMPLETED)),
        "no_shows": Count("id", filter=Q(status=Visit.Status.NO_SHOW)),
    }
    rows: list[DashboardVisitDay] = []
    for kind, column in (
        (DashboardVisitDay.Kind.VISITOR, "visitor_id"),
        (DashboardVisitDay.Kind.LANGUAGE, "language_id"),
    ):
        for row in _grouped(took_time, "day", column).annotate(**counts):
            rows.append(
                DashboardVisitDay(
                    day=row["day"],
                    kind=kind,
                    visitor_id=row[column] if kind == DashboardVisitDay.Kind.VISITOR else None,
                    language_id=row[column] if kind == DashboardVisitDay.Kind.LANGUAGE else None,
                    completed=row["completed"],
                    no_shows=row["no_shows"],
                )
            )
    booked = visits.filter(interpreter_needed=True).exclude(status=Visit.Status.CANCELLED)
    duration = ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
    for row in _grouped(booked, "day", "interpreter_language_id").annotate(time=Sum(duration)):
        rows.append(
            DashboardVisitDay(
                day=row["day"],
                kind=DashboardVisitDay.Kind.INTERPRETER,
                language_id=row["interpreter_language_id"],
                interpreter_time=row["time"],
            )
        )
    DashboardVisitDay.objects.bulk_create(rows, batch_size=2000)
    months = None if days is None else {day.replace(day=1) for day in days}
    _recount_months(
        DashboardVisitDay,
        "day",
        ["kind", "visitor_id", "language_id"],
        ["completed", "no_shows", "interpreter_time"],
        months,
    )


def _recount_months(
    model: type[Rollup], date_field: str, dimensions: list[str], sums: list[str], months: set[datetime.date] | None
) -> None:
    """Replace the whole-month rows of these months (None: all) with the sums of their day rows."""
    days = model.objects.filter(whole_month=False)
    old = model.objects.filter(whole_month=True)
    if months is not None:
        days = days.filter(_in_months(date_field, months))
        old = old.filter(**{f"{date_field}__in": months})
    old.delete()
    grouped = (
        days.annotate(month=TruncMonth(date_field))
        .values("month", *dimensions)
        .annotate(**{f"total_{name}": Sum(name) for name in sums})
        .order_by()
    )
    model.objects.bulk_create(
        (
            model(
                **{date_field: row["month"], "whole_month": True},
                **{name: row[name] for name in dimensions},
                **{name: row[f"total_{name}"] for name in sums},
            )
            for row in grouped
        ),
        batch_size=2000,
    )


def _in_months(date_field: str, months: Iterable[datetime.date]) -> Q:
    condition = Q(pk__in=[])
    for month in sorted(months):
        following = (month + datetime.timedelta(days=32)).replace(day=1)
        condition |= Q(**{f"{date_field}__gte": month, f"{date_field}__lt": following})
    return condition


def _grouped(queryset: QuerySet[Visit], *columns: str) -> QuerySet:
    return queryset.values(*columns).order_by()


def _on_days(days: Iterable[datetime.date]) -> Q:
    """Visits that start on one of these days in Stockholm: a range on starts_at per day, so that the index
    on the start serves it."""
    condition = Q(pk__in=[])
    for day in sorted(days):
        starts = datetime.datetime.combine(day, datetime.time(), tzinfo=STOCKHOLM)
        condition |= Q(starts_at__gte=starts, starts_at__lt=starts + datetime.timedelta(days=1))
    return condition
