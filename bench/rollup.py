"""A prototype of the dashboard's rollup, to measure what it would save; used by bench.pages (--rollup).

Not the app's code: the table is made with raw SQL in the benchmark's own database only (the real one needs
a model, a migration and the services that change visits keeping it current; docs/performance.md has the
proposal). It holds what the dashboard's first query (visits.dashboard._move_in_counts) computes from every
move-in of the period: move-ins counted per district, move-in date and days from the move-in to its first
completed visit (NULL: not visited), and the same without the district (district_id NULL: all districts).
Because the grain is the day, any period and "has the window closed by today" come out exact, and so does
the median (the days are a histogram).

`check` reads the rollup the way the dashboard would and compares the months and the day histogram with
what visits.dashboard computes from the raw rows: they must be equal.
"""

import datetime
import time

from django.conf import settings
from django.db import connection

# The app's modules are imported where used: this module is imported before bench.scale sets Django up.

TABLE = "bench_rollup_move_in_day"


def build() -> tuple[float, int]:
    """(Re)build the rollup from the raw rows: seconds taken, rows."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"""
            CREATE TABLE {TABLE} AS
            SELECT district_id, move_in_date, days, count(*) AS n FROM (
                SELECT b.district_id, m.move_in_date,
                       ((SELECT min(v.starts_at) FROM visits_visit v
                         WHERE v.move_in_id = m.id AND v.status = 'completed') AT TIME ZONE 'Europe/Stockholm')::date
                       - m.move_in_date AS days
                FROM tenants_movein m
                JOIN tenants_apartment a ON a.id = m.apartment_id JOIN tenants_building b ON b.id = a.building_id
            ) AS move_in
            GROUP BY GROUPING SETS ((district_id, move_in_date, days), (move_in_date, days))
            """  # noqa: S608 (constants only)
        )
        cursor.execute(f"CREATE INDEX ON {TABLE} (district_id, move_in_date)")
        cursor.execute(f"CREATE INDEX ON {TABLE} (move_in_date) WHERE district_id IS NULL")
        cursor.execute(f"ANALYZE {TABLE}")
        cursor.execute(f"SELECT count(*) FROM {TABLE}")  # noqa: S608
        rows = cursor.fetchone()[0]
    return time.perf_counter() - started, rows


def counts(*, first_day: datetime.date, last_day: datetime.date, district_id: int | None, today: datetime.date):
    """The rows visits.dashboard._move_in_counts returns, read from the rollup: one query."""
    closed_before = today - datetime.timedelta(days=settings.VISIT_WINDOW_END_DAYS)
    scope = "district_id IS NULL" if district_id is None else "district_id = %(district)s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT date_trunc('month', move_in_date)::date, move_in_date < %(closed_before)s, days, sum(n)::int
            FROM {TABLE} WHERE {scope} AND move_in_date BETWEEN %(first)s AND %(last)s
            GROUP BY 1, 2, 3
            """,  # noqa: S608 (constants only)
            {"closed_before": closed_before, "district": district_id, "first": first_day, "last": last_day},
        )
        return [
            {
                "month": month,
                "window_closed": closed,
                "days_to_visit": None if days is None else datetime.timedelta(days=days),
                "n": n,
            }
            for month, closed, days, n in cursor.fetchall()
        ]


def raw_counts(*, first_day: datetime.date, last_day: datetime.date, district_id: int | None, today: datetime.date):
    """What the dashboard reads today (visits.dashboard's first query)."""
    from visits import dashboard

    move_ins = dashboard._move_ins(first_day=first_day, last_day=last_day, district_id=district_id, today=today)
    return dashboard._move_in_counts(move_ins)


def compare(now: datetime.datetime, periods: dict[str, tuple[datetime.date, datetime.date]], runs: int) -> list:
    """For each period (all districts): raw and rollup median milliseconds, and whether the months and the
    day histogram are equal."""
    from visits import dashboard
    from visits.scheduling import STOCKHOLM

    today = now.astimezone(STOCKHOLM).date()
    results = []
    for name, (first, last) in periods.items():
        args = {"first_day": first, "last_day": last, "district_id": None, "today": today}
        timings = {}
        found = {}
        for label, read in (("raw", raw_counts), ("rollup", counts)):
            times = []
            for _run in range(runs):
                started = time.perf_counter()
                rows = read(**args)
                times.append(time.perf_counter() - started)
            timings[label] = sorted(times)[len(times) // 2]
            found[label] = (
                dashboard._months(rows, first_day=first, last_day=last),
                dashboard._day_histogram(rows),
            )
        results.append((name, timings["raw"], timings["rollup"], found["raw"] == found["rollup"]))
    return results
