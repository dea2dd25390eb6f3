# ruff: noqa: S608  (the SQL below is built from constants in this module, never from input)
"""The page benchmark: `python -m bench.pages --size T1` (or `make bench-pages`), with DATABASE_URL set to a
PostgreSQL server. Not a test: it prints figures beside the issue's targets, and every floor a figure is
divided by is measured in the same run. See docs/performance.md.

For each size asked for (T0, T1, T2: bench.scale makes the data, each in a database of its own), each page
that matters is requested through django.test.Client by a signed-in user of the right role, warm-up
first, then `--runs` times, interleaved with its floor so that a busy machine slows both alike:

* the page: median and p95 of the whole request (middleware, session, queries, template), and the
  queries one request makes (CaptureQueriesContext, on one more request);
* its floor: the hand-written SQL that fetches the same numbers or rows (run through a plain cursor and
  fetched), plus a trivial view behind the same login through the same client: ratio = page ÷ floor.

Then the due-message scan (the reads messaging.services.dispatch_due makes before it sends anything) and
the matcher (visits.services.assign_move_in for new move-ins, rolled back afterwards), compared across
sizes, and the verdict on each target.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

# The benchmark signs in with force_login, without an authenticator: no second factor (a session that
# has entered one costs one more query a page, django-otp reloading its device).
os.environ.setdefault("TWO_FACTOR_REQUIRED", "0")

import logging

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import connection, transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import include, path

from bench import scale  # sets up Django on import (DEBUG off, as in production)
from hemkunskap import urls as root_urls
from messaging import services as messaging_services
from messaging.models import Message
from tenants.models import Apartment, Household, HouseholdLanguage, MoveIn
from visits import dashboard_views
from visits import services as visit_services
from visits.scheduling import STOCKHOLM, week_start

BASE_DIR = Path(__file__).resolve().parent.parent
# django-axes logs every force_login at INFO.
logging.getLogger("axes").setLevel(logging.WARNING)
WARMUP = 3
RUNS = 20
MATCHER_RUNS = 15
DUE_SCAN_RUNS = 50  # a few milliseconds each: enough runs that a busy machine's noise evens out

# The targets.
DASHBOARD_FLOOR_TARGET = 2.0  # dashboard at T1 ≤ 2 × its floor
TEN_YEARS_TARGET = 1.5  # ten-year dashboard ≤ 1.5 × the twelve-month one
QUERIES_TARGET = 10  # per page, and identical at every size
NATIONAL_TARGET = 2.0  # the national dashboard at T2 ≤ 2 × the company's at T1
DUE_SCAN_TARGET = 2.0  # the due-message scan at T2 ≤ 2 × at T1


# Indexes a benchmark database may still carry from earlier runs that proposed them: the one that helped is
# now in the schema (visits migration 0009, visit_completed_move_in_idx); the other changed nothing.
RETIRED_INDEXES = ("bench_visit_completed_idx", "bench_visit_visitor_start_status_idx")


def drop_retired_indexes() -> None:
    with connection.cursor() as cursor:
        for name in RETIRED_INDEXES:
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
        # Earlier runs could leave JIT set on the benchmark database; the app's connections turn it off.
        cursor.execute(f'ALTER DATABASE "{connection.settings_dict["NAME"]}" RESET jit')


# --- The trivial view: the floor of a request --------------------------------------------------------------


@login_required
def trivial(request: HttpRequest) -> HttpResponse:
    """Middleware, session and user, and nothing else: what any signed-in page costs at least."""
    return HttpResponse("ok")


urlpatterns = [path("bench/trivial/", trivial), path("", include(root_urls))]


# --- The floors: hand-written SQL for the same numbers or rows ---------------------------------------------

STOCKHOLM_TZ = "Europe/Stockholm"

# The dashboard: (1) move-ins by month, window closed or not, and days to the first completed visit;
# (2) the period's visits by visitor, by language and by interpreter language, in one pass; (3) households
# by first language and the active speakers of each language. Python adds up the few rows, as the page does.
DASHBOARD_SQL = (
    f"""
    SELECT date_trunc('month', m.move_in_date)::date, m.move_in_date < %(closed_before)s,
           (SELECT (min(v.starts_at) AT TIME ZONE '{STOCKHOLM_TZ}')::date FROM visits_visit v
            WHERE v.move_in_id = m.id AND v.status = 'completed') - m.move_in_date AS days,
           count(*)
    FROM tenants_movein m WHERE m.move_in_date BETWEEN %(first)s AND %(last)s
    GROUP BY 1, 2, 3
    """,
    """
    SELECT visitor_id, language_id, interpreter_language_id,
           count(*) FILTER (WHERE status IN ('completed', 'no_show')),
           count(*) FILTER (WHERE status = 'completed'),
           count(*) FILTER (WHERE status = 'no_show'),
           sum(ends_at - starts_at) FILTER (WHERE interpreter_needed AND status <> 'cancelled')
    FROM visits_visit WHERE starts_at >= %(start)s AND starts_at < %(end)s
    GROUP BY GROUPING SETS ((visitor_id), (language_id), (interpreter_language_id))
    """,
    """
    SELECT hl.language_id, count(DISTINCT hl.household_id), NULL
    FROM tenants_householdlanguage hl JOIN tenants_movein m ON m.household_id = hl.household_id
    WHERE hl.rank = 1 AND m.move_in_date BETWEEN %(first)s AND %(last)s GROUP BY 1
    UNION ALL
    SELECT vl.language_id, NULL, count(DISTINCT vl.visitor_id)
    FROM visits_visitorlanguage vl JOIN visits_visitor v ON v.id = vl.visitor_id
    WHERE v.is_active AND vl.level >= 2 GROUP BY 1
    """,
)

_MOVE_IN_ROW = """
    m.id, m.move_in_date, m.created_at, m.assignment_note, h.contact_name, h.phone, b.street_address, a.number
"""
_MOVE_IN_JOINS = """
    JOIN tenants_household h ON h.id = m.household_id
    JOIN tenants_apartment a ON a.id = m.apartment_id JOIN tenants_building b ON b.id = a.building_id
"""
_VISIT_JOINS = f"""
    JOIN tenants_movein m ON m.id = v.move_in_id {_MOVE_IN_JOINS}
    JOIN visits_visitor vr ON vr.id = v.visitor_id JOIN auth_user u ON u.id = vr.user_id
"""
# The coordinator's queue: each kind's items (at most 200), oldest first, with what the page shows.
QUEUE_SQL = (
    f"""SELECT {_MOVE_IN_ROW} FROM tenants_movein m {_MOVE_IN_JOINS}
    WHERE m.assignment_state = 'needs_coordinator' ORDER BY m.created_at LIMIT 200""",
    f"""SELECT v.id, v.starts_at, v.interpreter_language_id, u.first_name, {_MOVE_IN_ROW}
    FROM visits_visit v {_VISIT_JOINS}
    WHERE v.status IN ('planned', 'confirmed') AND v.interpreter_needed AND v.interpreter_type = ''
    ORDER BY v.starts_at LIMIT 200""",
    f"""SELECT c.id, c.proposed_start, c.message, v.starts_at, u.first_name, {_MOVE_IN_ROW}
    FROM visits_changerequest c JOIN visits_visit v ON v.id = c.visit_id {_VISIT_JOINS}
    WHERE c.status = 'open' ORDER BY c.created_at LIMIT 200""",
    f"""SELECT v.id, v.starts_at, u.first_name, {_MOVE_IN_ROW} FROM visits_visit v {_VISIT_JOINS}
    WHERE v.status = 'no_show' AND v.starts_at >= %(look_back)s AND NOT EXISTS (
        SELECT 1 FROM visits_visit w WHERE w.move_in_id = v.move_in_id AND w.id > v.id
        AND w.status IN ('planned', 'confirmed', 'completed'))
    ORDER BY v.starts_at LIMIT 200""",
    f"""SELECT {_MOVE_IN_ROW} FROM tenants_movein m {_MOVE_IN_JOINS}
    WHERE m.assignment_state = 'assigned' AND m.move_in_date <= %(overdue_last)s
      AND m.move_in_date > %(overdue_first)s AND NOT EXISTS (
        SELECT 1 FROM visits_visit w WHERE w.move_in_id = m.id AND (w.status = 'completed'
        OR (w.status IN ('planned', 'confirmed') AND w.starts_at >= %(now)s)))
    ORDER BY m.move_in_date, m.id LIMIT 200""",
    f"""SELECT {_MOVE_IN_ROW} FROM tenants_movein m {_MOVE_IN_JOINS}
    WHERE m.assignment_state = 'awaiting' AND m.created_at < %(awaiting_before)s ORDER BY m.created_at LIMIT 200""",
)
# The week board: visitors at work or with visits, the week's visits with household and address, absences.
BOARD_SQL = (
    """SELECT vr.id, vr.weekly_capacity, vr.working_days, u.first_name, u.last_name
    FROM visits_visitor vr JOIN auth_user u ON u.id = vr.user_id
    WHERE vr.is_active OR EXISTS (SELECT 1 FROM visits_visit v WHERE v.visitor_id = vr.id
        AND v.starts_at >= %(start)s AND v.starts_at < %(end)s AND v.status <> 'cancelled')""",
    f"""SELECT v.id, v.visitor_id, v.starts_at, v.ends_at, v.status, {_MOVE_IN_ROW}
    FROM visits_visit v JOIN tenants_movein m ON m.id = v.move_in_id {_MOVE_IN_JOINS}
    WHERE v.starts_at >= %(start)s AND v.starts_at < %(end)s AND v.status <> 'cancelled' ORDER BY v.starts_at""",
    """SELECT visitor_id, starts_on, ends_on FROM visits_absence
    WHERE starts_on <= %(last)s AND ends_on >= %(first)s""",
)
# The visitor's day: today's visits (not cancelled) with household, address, district, languages.
TODAY_SQL = (
    f"""SELECT v.id, v.starts_at, v.ends_at, v.status, v.language_id, v.interpreter_language_id, d.name,
           {_MOVE_IN_ROW},
           (SELECT array_agg(hl.language_id ORDER BY hl.rank) FROM tenants_householdlanguage hl
            WHERE hl.household_id = h.id)
    FROM visits_visit v JOIN tenants_movein m ON m.id = v.move_in_id {_MOVE_IN_JOINS}
    JOIN tenants_district d ON d.id = b.district_id
    WHERE v.visitor_id = %(visitor)s AND v.starts_at >= %(start)s AND v.starts_at < %(end)s
      AND v.status <> 'cancelled' ORDER BY v.starts_at""",
)
# The API's first page: the count, and 50 move-ins (latest first) with household, languages, address,
# district and the visit shown (the open one, else the latest completed).
API_SQL = (
    "SELECT count(*) FROM tenants_movein",
    f"""SELECT {_MOVE_IN_ROW}, h.email, h.size, d.name, m.contract_number, m.assignment_state,
           (SELECT array_agg(hl.language_id ORDER BY hl.rank) FROM tenants_householdlanguage hl
            WHERE hl.household_id = h.id),
           (SELECT row(v.id, v.starts_at, v.status, v.visitor_id) FROM visits_visit v
            WHERE v.move_in_id = m.id AND v.status IN ('planned', 'confirmed', 'completed')
            ORDER BY v.status <> 'completed' DESC, v.starts_at DESC LIMIT 1)
    FROM tenants_movein m {_MOVE_IN_JOINS} JOIN tenants_district d ON d.id = b.district_id
    ORDER BY m.move_in_date DESC, m.contract_number LIMIT 50""",
)


# --- Measuring ---------------------------------------------------------------------------------------------


@dataclass
class Page:
    name: str
    role: str  # "manager", "coordinator" or "visitor": whose client requests it
    url: str
    floor_sql: Sequence[str]
    params: dict
    page_times: list[float] = field(default_factory=list)
    floor_sql_times: list[float] = field(default_factory=list)
    queries: int = 0
    query_log: list[tuple[float, str]] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.page_times)

    @property
    def p95(self) -> float:
        return p95(self.page_times)

    @property
    def floor_sql_median(self) -> float:
        return statistics.median(self.floor_sql_times)


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.1f}"


def out(text: str = "") -> None:
    print(text, flush=True)


def run_sql(statements: Sequence[str], params: dict) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, params)
            cursor.fetchall()
    return time.perf_counter() - started


def get(client: Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url, secure=True)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: {response.status_code} {response.get('Location', '')}")
    return elapsed


@dataclass
class SizeResult:
    size: str
    meta: dict
    pages: dict[str, Page]
    trivial_times: list[float]
    due_scan: list[float]
    due_rows: int
    matcher: list[float]
    matcher_queries: int
    rollup: dict | None = None

    @property
    def trivial(self) -> float:
        return statistics.median(self.trivial_times)

    def floor(self, page: Page) -> float:
        return page.floor_sql_median + self.trivial

    def ratio(self, page: Page) -> float:
        return page.median / self.floor(page)


def pages_for(now: datetime.datetime, visitor_id: int) -> list[Page]:
    today = now.astimezone(STOCKHOLM).date()
    first_12, _last = dashboard_views.default_period(today)
    first_10 = first_12.replace(year=first_12.year - 9)
    closed_before = today - datetime.timedelta(days=21)

    def dashboard_params(first: datetime.date) -> dict:
        return {
            "first": first,
            "last": today,
            "closed_before": closed_before,
            "start": datetime.datetime.combine(first, datetime.time(), tzinfo=STOCKHOLM),
            "end": datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(), tzinfo=STOCKHOLM),
        }

    monday = week_start(today)
    start_of = lambda day: datetime.datetime.combine(day, datetime.time(), tzinfo=STOCKHOLM)  # noqa: E731
    overdue_last = today - datetime.timedelta(days=22)
    queue = {
        "look_back": start_of(today - datetime.timedelta(days=60)),
        "overdue_last": overdue_last,
        "overdue_first": overdue_last - datetime.timedelta(days=60),
        "now": now,
        "awaiting_before": now - datetime.timedelta(minutes=10),
    }
    board = {
        "start": start_of(monday),
        "end": start_of(monday + datetime.timedelta(days=7)),
        "first": monday,
        "last": monday + datetime.timedelta(days=6),
    }
    day = {"visitor": visitor_id, "start": start_of(today), "end": start_of(today + datetime.timedelta(days=1))}
    return [
        Page("dashboard, 12 months", "manager", "/dashboard/", DASHBOARD_SQL, dashboard_params(first_12)),
        Page(
            "dashboard, 10 years",
            "manager",
            f"/dashboard/?first_day={first_10}&last_day={today}",
            DASHBOARD_SQL,
            dashboard_params(first_10),
        ),
        Page("coordinator: queue", "coordinator", "/coordinator/", QUEUE_SQL, queue),
        Page("coordinator: week board", "coordinator", "/coordinator/board/", BOARD_SQL, board),
        Page("visitor: today", "visitor", "/visits/today/", TODAY_SQL, day),
        Page("API: /api/v1/move-ins/", "coordinator", "/api/v1/move-ins/", API_SQL, {}),
    ]


def busiest_visitor_today(now: datetime.datetime) -> tuple[int, int]:
    """(user id, visitor id) of the visitor with most visits today: the fullest "today" page."""
    today = now.astimezone(STOCKHOLM).date()
    start = datetime.datetime.combine(today, datetime.time(), tzinfo=STOCKHOLM)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT vr.user_id, vr.id FROM visits_visit v JOIN visits_visitor vr ON vr.id = v.visitor_id
            WHERE v.starts_at >= %s AND v.starts_at < %s AND v.status <> 'cancelled'
            GROUP BY 1, 2 ORDER BY count(*) DESC, 2 LIMIT 1""",
            [start, start + datetime.timedelta(days=1)],
        )
        row = cursor.fetchone()
    if row is None:
        raise RuntimeError("No visits today in the generated data")
    return row


def due_scan(now: datetime.datetime) -> int:
    """The reads messaging.services.dispatch_due makes before it sends anything: abandoned claims (as
    _fail_abandoned_claims reads them), then the due rows' ids (due_message_ids, the dispatcher's own)."""
    stale = Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - messaging_services.CLAIM_TIMEOUT)
    list(stale.select_related("visit__move_in"))
    return len(messaging_services.due_message_ids(now=now, limit=200))


class Rollback(Exception):
    pass


def matcher(now: datetime.datetime, runs: int) -> tuple[list[float], int]:
    """visits.services.assign_move_in for `runs` new move-ins (2–3 weeks ahead, the demo's language mix),
    each timed in-process; everything is rolled back. Returns the times and one call's queries."""
    times: list[float] = []
    queries = 0
    today = now.astimezone(STOCKHOLM).date()
    draw = scale.Draw(__import__("random").Random(7))
    apartments = list(Apartment.objects.order_by("id").values_list("id", flat=True)[:runs])
    try:
        with transaction.atomic():
            ids = []
            for n in range(runs):
                languages, name, phone, email, size, _interpreter, _protected = draw.household()
                household = Household.objects.create(contact_name=name, phone=phone, email=email, size=size)
                HouseholdLanguage.objects.bulk_create(
                    HouseholdLanguage(household=household, language_id=code, rank=rank)
                    for rank, code in enumerate(languages, start=1)
                )
                move_in = MoveIn.objects.create(
                    household=household,
                    apartment_id=apartments[n % len(apartments)],
                    move_in_date=today + datetime.timedelta(days=14 + n % 7),
                    contract_number=f"BENCH-MATCHER-{n}",
                )
                ids.append(move_in.id)
            for n, move_in_id in enumerate(ids):
                if n == 0:
                    with CaptureQueriesContext(connection) as captured:
                        visit_services.assign_move_in(move_in_id=move_in_id, now=now)
                    queries = len(captured)
                    continue
                started = time.perf_counter()
                visit_services.assign_move_in(move_in_id=move_in_id, now=now)
                times.append(time.perf_counter() - started)
            raise Rollback
    except Rollback:
        pass
    return times, queries


def measure(size: scale.Size, *, reuse: bool, runs: int, explain: bool, jit: bool) -> tuple[str, SizeResult]:
    original, meta = scale.prepare(size, reuse=reuse)
    now = meta["now"]
    out(scale.describe(meta))
    drop_retired_indexes()
    if jit:
        with connection.cursor() as cursor:
            cursor.execute("SET jit = on")  # for comparison: the app's connections have it off
    User = get_user_model()
    # Static files as with DEBUG on (no collectstatic needed; a manifest lookup costs about the same).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with time_machine.travel(now, tick=True), override_settings(ROOT_URLCONF=__name__, STORAGES=storages):
        visitor_user, visitor_id = busiest_visitor_today(now)
        clients = {}
        for role, user in (
            ("manager", User.objects.get(username="bench-manager")),
            ("coordinator", User.objects.get(username="bench-coordinator")),
            ("visitor", User.objects.get(id=visitor_user)),
        ):
            clients[role] = Client()
            clients[role].force_login(user)
        pages = pages_for(now, visitor_id)
        trivial_times: list[float] = []
        for _warm in range(WARMUP):
            for page in pages:
                get(clients[page.role], page.url)
                run_sql(page.floor_sql, page.params)
            get(clients["manager"], "/bench/trivial/")
        for _run in range(runs):
            for page in pages:
                page.page_times.append(get(clients[page.role], page.url))
                page.floor_sql_times.append(run_sql(page.floor_sql, page.params))
                trivial_times.append(get(clients[page.role], "/bench/trivial/"))
        for page in pages:
            with CaptureQueriesContext(connection) as captured:
                get(clients[page.role], page.url)
            page.queries = len(captured)
            page.query_log = sorted(((float(q["time"]), q["sql"]) for q in captured), reverse=True)
        scans = []
        rows = 0
        for _run in range(WARMUP + max(runs, DUE_SCAN_RUNS)):
            started = time.perf_counter()
            rows = due_scan(now)
            scans.append(time.perf_counter() - started)
        times, matcher_queries = matcher(now, MATCHER_RUNS)
        if explain:
            explain_slowest(pages)
        rollups = rollup_check(now, runs)
    result = SizeResult(
        size.name,
        meta,
        {p.name: p for p in pages},
        trivial_times,
        scans[WARMUP:],
        rows,
        times,
        matcher_queries,
        rollups,
    )
    return original, result


def rollup_check(now: datetime.datetime, runs: int) -> dict:
    """The dashboard's numbers for all districts read from the rollups and counted from the raw rows
    (in-process, no request): both timed, and whether they are equal; and the raw read of the largest
    district, which the page does for a district."""
    from tenants.models import Building
    from visits import dashboard

    today = now.astimezone(STOCKHOLM).date()
    first_12, _last = dashboard_views.default_period(today)
    periods = {"12 months": (first_12, today), "10 years": (first_12.replace(year=first_12.year - 9), today)}
    largest = Building.objects.values("district_id").annotate(n=Count("apartments__move_ins")).order_by("-n").first()
    results = []
    for name, (first, last) in periods.items():
        timings, found = {}, {}
        for label, kwargs, times in (
            ("rollups", {"from_rollups": True}, runs),
            ("raw", {"from_rollups": False}, max(3, runs // 4)),  # seconds each at T2
            ("one district", {"district_id": largest["district_id"]}, runs),
        ):
            taken = []
            for _run in range(times):
                started = time.perf_counter()
                found[label] = dashboard.dashboard(first_day=first, last_day=last, today=today, **kwargs)
                taken.append(time.perf_counter() - started)
            timings[label] = statistics.median(taken)
        results.append((name, timings, found["rollups"] == found["raw"]))
    return {"periods": results}


def explain_slowest(pages: Sequence[Page], count: int = 2) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each page's slowest queries (as captured, parameters inlined)."""
    for page in pages:
        for seconds, sql in page.query_log[:count]:
            out(f"\n-- {page.name}: {1000 * seconds:.1f} ms\n{sql}")
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                out("\n".join(row[0] for row in cursor.fetchall()))


# --- Printing ----------------------------------------------------------------------------------------------


def print_size(result: SizeResult) -> None:
    out()
    out(f"{result.size}: the trivial view (signed in, through the same client): {ms(result.trivial)} ms median")
    out(f"  {'page':<28}{'median ms':>10}{'p95 ms':>9}{'queries':>9}{'floor ms':>10}{'(SQL + view)':>15}{'ratio':>8}")
    for page in result.pages.values():
        floor = result.floor(page)
        out(
            f"  {page.name:<28}{ms(page.median):>10}{ms(page.p95):>9}{page.queries:>9}{ms(floor):>10}"
            f"{ms(page.floor_sql_median) + ' + ' + ms(result.trivial):>15}{result.ratio(page):>7.2f}×"
        )
    out(
        f"  {'due-message scan':<28}{ms(statistics.median(result.due_scan)):>10}{ms(p95(result.due_scan)):>9}"
        f"{2:>9}   ({result.due_rows} due rows found)"
    )
    if result.rollup:
        out("  the dashboard's numbers in-process (visits.dashboard.dashboard, no request):")
        for name, timings, equal in result.rollup["periods"]:
            out(
                f"    {name}: all districts from the rollups {ms(timings['rollups'])} ms, counted from the raw rows "
                f"{ms(timings['raw'])} ms ({'equal' if equal else 'DIFFERENT'}); "
                f"the largest district (raw) {ms(timings['one district'])} ms"
            )
    if result.matcher:
        out(
            f"  {'matcher: assign_move_in':<28}{ms(statistics.median(result.matcher)):>10}"
            f"{ms(p95(result.matcher)):>9}{result.matcher_queries:>9}"
            f"   (in-process, {len(result.matcher)} new move-ins)"
        )


def verdict(label: str, figure: str, ok: bool | None, *, measured: bool = True) -> None:
    state = "not measured" if not measured else "(no target)" if ok is None else "MET" if ok else "NOT MET"
    out(f"  {label:<62}{figure:>28}  {state}")


def print_verdicts(results: dict[str, SizeResult]) -> None:
    out()
    out("Targets")
    one = results.get("T1")
    if one:
        page = one.pages["dashboard, 12 months"]
        ratio = one.ratio(page)
        verdict("dashboard (12 months) at T1 ≤ 2 × its floor", f"{ratio:.2f}×", ratio <= DASHBOARD_FLOOR_TARGET)
        page = one.pages["dashboard, 10 years"]
        ratio = one.ratio(page)
        verdict("dashboard (10 years) at T1 ≤ 2 × its floor (no target; for reading)", f"{ratio:.2f}×", None)
    for name, result in results.items():
        ten, twelve = result.pages["dashboard, 10 years"], result.pages["dashboard, 12 months"]
        ratio = ten.median / twelve.median
        verdict(
            f"{name}: ten-year dashboard ≤ 1.5 × the twelve-month one",
            f"{ms(ten.median)} ÷ {ms(twelve.median)} = {ratio:.2f}×",
            ratio <= TEN_YEARS_TARGET,
        )
    names = list(next(iter(results.values())).pages)
    for page_name in names:
        counts = [result.pages[page_name].queries for result in results.values()]
        same = len(set(counts)) == 1
        verdict(
            f"queries: {page_name}, same at {'/'.join(results)} and ≤ {QUERIES_TARGET}",
            " / ".join(map(str, counts)),
            same and max(counts) <= QUERIES_TARGET,
        )
    two = results.get("T2")
    if one and two:
        national, company = two.pages["dashboard, 12 months"].median, one.pages["dashboard, 12 months"].median
        verdict(
            "national dashboard (T2, 12 months) ≤ 2 × the company's (T1)",
            f"{ms(national)} ÷ {ms(company)} = {national / company:.2f}×",
            national / company <= NATIONAL_TARGET,
        )
        scan2, scan1 = statistics.median(two.due_scan), statistics.median(one.due_scan)
        verdict(
            "due-message scan at T2 ≤ 2 × at T1",
            f"{ms(scan2)} ÷ {ms(scan1)} = {scan2 / scan1:.2f}×",
            scan2 / scan1 <= DUE_SCAN_TARGET,
        )
        m2, m1 = statistics.median(two.matcher), statistics.median(one.matcher)
        verdict("matcher at T2 ÷ at T1 (no target)", f"{ms(m2)} ÷ {ms(m1)} = {m2 / m1:.2f}×", None)
    else:
        verdict("national dashboard (T2) ≤ 2 × the company's (T1)", "needs T1 and T2 in one run", None, measured=False)
        verdict("due-message scan at T2 ≤ 2 × at T1", "needs T1 and T2 in one run", None, measured=False)


def as_json(result: SizeResult) -> dict:
    return {
        "size": result.size,
        "counts": result.meta["counts"],
        "now": result.meta["now"].isoformat(),
        "trivial_ms": 1000 * result.trivial,
        "pages": {
            name: {
                "median_ms": 1000 * page.median,
                "p95_ms": 1000 * page.p95,
                "queries": page.queries,
                "floor_sql_ms": 1000 * page.floor_sql_median,
                "ratio": result.ratio(page),
            }
            for name, page in result.pages.items()
        },
        "due_scan_ms": 1000 * statistics.median(result.due_scan),
        "matcher_ms": 1000 * statistics.median(result.matcher) if result.matcher else None,
        "matcher_queries": result.matcher_queries,
        "rollup": result.rollup,
    }


def main(argv: Sequence[str] | None = None) -> int:
    scale.services_or_exit()
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="T0,T1", help="Sizes, comma-separated (T0, T1, T2); default T0,T1.")
    parser.add_argument("--runs", type=int, default=RUNS, help=f"Timed requests per page (default {RUNS}).")
    parser.add_argument("--keep-db", action="store_true", help="Keep the generated databases.")
    parser.add_argument("--reuse", action="store_true", help="Use databases kept by an earlier run.")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's slowest queries.")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    parser.add_argument("--jit", action="store_true", help="Turn PostgreSQL's JIT on (the app turns it off).")
    args = parser.parse_args(argv)
    sizes = [scale.SIZES[name.strip()] for name in args.size.split(",")]

    started = time.perf_counter()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    with connection._nodb_cursor() as cursor:  # DATABASE_URL's database need not exist
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    out(f"Hemkunskap page benchmark, {datetime.datetime.now(tz=STOCKHOLM):%Y-%m-%d %H:%M %Z}, seed {scale.SEED}")
    out(f"machine: {os.cpu_count()} cores, {memory:.1f} GiB; PostgreSQL {server}; Python {sys.version.split()[0]}")
    out(f"{load_line()} at the start; {args.runs} timed requests per page after {WARMUP} warm-up")
    out(f"schema: as migrated; PostgreSQL JIT {'on' if args.jit else 'off (as the app connects)'}")
    results: dict[str, SizeResult] = {}
    for size in sizes:
        original, result = measure(
            size,
            reuse=args.reuse,
            runs=args.runs,
            explain=args.explain,
            jit=args.jit,
        )
        results[size.name] = result
        print_size(result)
        if args.keep_db:
            connection.close()
            connection.settings_dict["NAME"] = original
        else:
            scale.drop_database(original)
    print_verdicts(results)
    if args.json:
        args.json.write_text(json.dumps({name: as_json(r) for name, r in results.items()}, indent=2))
    out()
    out(f"done in {time.perf_counter() - started:.0f} s; {load_line()}")
    return 0


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min)"


if __name__ == "__main__":
    sys.exit(main())
