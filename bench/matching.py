# ruff: noqa: E402  (Django is set up before the app's modules are imported)
"""The matching benchmark: `python -m bench.matching` (or `make bench`), with DATABASE_URL (PostgreSQL) and
REDIS_URL set. Not a test: it prints figures, each beside its target where the issue sets one, and the
floors they are compared with are measured in the same run. See docs/benchmarks.md.

1. Quality, pure: visits.batch.greedy (one by one, in order of registration) against visits.batch.solve
   (all at once) on a generated year for the demo team and on 10,000 move-ins for 30 visitors.
2. Quality through the real services on PostgreSQL: the year, one move-in at a time through
   services.assign_move_in as each is registered, then again in monthly batches through
   services.assign_batch.
3. End to end: a real `celery worker` (a pool of 2) on Redis and PostgreSQL; a no-op task's round trip
   against a registered move-in's (register -> commit -> broker -> worker -> visit committed), and the
   queries one assignment costs.

Everything runs in a database of its own, bench_<name of DATABASE_URL's database>, created (migrated)
for the run and dropped after it, and on a Redis queue of its own: nothing else in either is touched.
"""

import argparse
import dataclasses
import datetime
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hemkunskap.settings")
# As in production: DEBUG off (no query log kept in memory, no debug cursor), which wants a key and hosts.
# The worker started below inherits these.
if "DEBUG" not in os.environ:
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
    # Nothing is sent: messages stay in files under var/.
    os.environ.setdefault("SMS_BACKEND", "file")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")


def _services_or_exit() -> None:
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith(("postgres://", "postgresql://")) or not os.environ.get("REDIS_URL"):
        sys.exit(
            "The benchmark needs PostgreSQL and Redis: set DATABASE_URL=postgres://… and REDIS_URL=redis://… "
            "(it works in a database and a queue of its own, made for the run)."
        )


_services_or_exit()

import django

django.setup()

import redis
from django.conf import settings
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import generate
from bench.generate import DataSet
from hemkunskap.celery import app
from hemkunskap.worker_process import spawn_worker
from tenants import services as tenant_services
from tenants.models import Apartment, MoveIn
from visits import services
from visits.batch import BatchMoveIn, BatchVisitor, greedy, solve
from visits.matching import WORKING_LEVEL
from visits.models import Assignment, Visit, Visitor
from visits.scheduling import STOCKHOLM, week_start

BASE_DIR = Path(__file__).resolve().parent.parent
YEAR_MOVE_INS = 2000
LARGE_MOVE_INS = 10_000
LARGE_TEAM = 30
SOLVER_RUNS = 5
NOOP_WARMUP, NOOP_RUNS = 20, 200
SERIAL_WARMUP, SERIAL_RUNS = 5, 100
BURST = 300
WORKER_CONCURRENCY = 2
WAIT_SECONDS = 120

# The targets.
SOLVER_SECONDS_TARGET = 1.0
GREEDY_PEAK_TARGET = 1.10
ROUND_TRIP_RATIO_TARGET = 10.0
QUERIES_TARGET = 6

# Rows written before their registration: the sequential pass sets each to "awaiting" at its moment.
NOT_YET = MoveIn.AssignmentState.NEEDS_COORDINATOR
NOT_YET_NOTE = "benchmark: not registered yet"


# --- Printing --------------------------------------------------------------------------------------------

LABEL = 52
CELL = 13


def out(text: str = "") -> None:
    print(text, flush=True)


def row(label: str, *values: str, target: str = "", verdict: str = "", columns: int = 5) -> None:
    """A label, values in columns, then the target and whether it is met (or that the issue sets none)."""
    cells = "".join(f"{value:>{CELL}}" for value in values) + " " * CELL * max(columns - len(values), 0)
    tail = f"  target {target}: {verdict}" if target else "  (no target)"
    out(f"  {label:<{LABEL}}{cells}{tail}")


def met(ok: bool) -> str:
    return "MET" if ok else "NOT MET"


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def ms(seconds: float) -> str:
    return f"{1000 * seconds:.1f} ms"


def load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min)"


def busy_processes() -> str:
    """The processes using a CPU now, other than this one and its workers, by name."""
    try:
        lines = subprocess.run(
            ["ps", "-eo", "pid,pcpu,comm", "--sort=-pcpu", "--no-headers"],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no ps)"
    busy = []
    for line in lines:
        pid, cpu, name = line.split(None, 2)
        if int(pid) != os.getpid() and float(cpu) >= 5:
            busy.append(f"{name} {cpu}%")
    return ", ".join(busy[:6]) or "none above 5% CPU"


# --- Quality ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """Where one move-in went: indexes into the data set's move-ins and team."""

    move_in: int
    visitor: int
    week: datetime.date
    language: str | None  # None: with an interpreter
    in_window: bool


@dataclass
class Quality:
    move_ins: int
    placed: float
    first_choice: float
    speaker: float
    interpreter: float
    best_speaker: float  # share of households one of whose languages somebody in the team speaks
    best_first: float  # ... whose first language somebody speaks
    in_window: float  # of those placed
    spread: float  # mean over weeks with visits of (max - min) load / capacity among visitors at work
    peak_week: float  # the fullest visitor-week, load / capacity
    weekly_peak: float  # mean over weeks with visits of the fullest visitor's load / capacity that week
    peak_year: float  # the busiest visitor's visits / capacity of the weeks they work
    coordinator: float | None = None

    @property
    def match_vs_best(self) -> float:
        return self.speaker / self.best_speaker if self.best_speaker else 1.0


def quality(data: DataSet, team: Sequence[BatchVisitor], outcomes: Sequence[Outcome]) -> Quality:
    n = len(data.move_ins)
    spoken = [{code for code, level in v.languages.items() if level >= WORKING_LEVEL} for v in team]
    anyone = set().union(*spoken)
    best_speaker = sum(bool(anyone & set(p.languages)) for p in data.move_ins) / n
    best_first = sum(p.languages[0] in anyone for p in data.move_ins) / n
    first = sum(o.language is not None and o.language == data.move_ins[o.move_in].languages[0] for o in outcomes)
    speaker = sum(o.language is not None for o in outcomes)
    load: Counter[tuple[int, datetime.date]] = Counter((o.visitor, o.week) for o in outcomes)
    spreads, peaks = [], []
    for week in sorted({o.week for o in outcomes}):
        ratios = [load[(i, week)] / v.weekly_capacity for i, v in enumerate(team) if v.free.get(week, 0) > 0]
        if len(ratios) >= 2:
            spreads.append(max(ratios) - min(ratios))
        if ratios:
            peaks.append(max(ratios))
    per_visitor = Counter(o.visitor for o in outcomes)
    return Quality(
        move_ins=n,
        placed=len(outcomes) / n,
        first_choice=first / n,
        speaker=speaker / n,
        interpreter=(len(outcomes) - speaker) / n,
        best_speaker=best_speaker,
        best_first=best_first,
        in_window=sum(o.in_window for o in outcomes) / max(len(outcomes), 1),
        spread=statistics.fmean(spreads) if spreads else 0.0,
        peak_week=max((count / team[i].weekly_capacity for (i, _week), count in load.items()), default=0.0),
        weekly_peak=statistics.fmean(peaks) if peaks else 0.0,
        peak_year=max(
            (per_visitor[i] / max(sum(v.free.values()), 1) for i, v in enumerate(team)),
            default=0.0,
        ),
    )


def pure_outcomes(data: DataSet, placements: Sequence) -> list[Outcome]:
    """visits.batch placements (ids 1.. as bench.generate numbers them) as outcomes. A placement's week is
    one of the window's weeks: inside the window by construction."""
    return [Outcome(p.move_in_id - 1, p.visitor_id - 1, p.week, p.language, True) for p in placements]


def print_quality(columns: Sequence[tuple[str, Quality]]) -> None:
    def line(label: str, value: Callable[[Quality], str]) -> None:
        row(label, *(value(q) for _name, q in columns))

    out(f"  {'':<{LABEL}}" + "".join(f"{name:>{CELL}}" for name, _q in columns))
    line("placed (a visit in the window)", lambda q: pct(q.placed))
    if any(q.coordinator is not None for _name, q in columns):
        line("sent to the coordinator", lambda q: "-" if q.coordinator is None else pct(q.coordinator))
    line("in the household's first-choice language", lambda q: pct(q.first_choice))
    line("  best possible (someone speaks their first)", lambda q: pct(q.best_first))
    line("with a speaker of one of their languages", lambda q: pct(q.speaker))
    line("  best possible (someone speaks one of theirs)", lambda q: pct(q.best_speaker))
    line("  language-match rate against the best possible", lambda q: pct(q.match_vs_best))
    line("with an interpreter", lambda q: pct(q.interpreter))
    line("placed inside the visit window", lambda q: pct(q.in_window))
    line("load spread (max-min per week, mean)", lambda q: f"{q.spread:.2f}")
    line("peak visitor-week load (÷ capacity)", lambda q: f"{q.peak_week:.2f}")
    line("fullest visitor's load each week (÷ capacity), mean", lambda q: f"{q.weekly_peak:.2f}")
    line("busiest visitor's year (visits ÷ capacity)", lambda q: f"{q.peak_year:.2f}")


def solve_monthly(data: DataSet, move_ins: Sequence[BatchMoveIn], team: Sequence[BatchVisitor]) -> list:
    """visits.batch.solve on one move-in month at a time, each batch seeing what the earlier ones took: the
    horizon services.assign_batch has when run monthly."""
    free = {v.visitor_id: dict(v.free) for v in team}
    by_month: dict[datetime.date, list[BatchMoveIn]] = defaultdict(list)
    for planned, move_in in zip(data.move_ins, move_ins, strict=True):
        by_month[planned.move_in.move_in_date.replace(day=1)].append(move_in)
    placements = []
    for month in sorted(by_month):
        now_free = [dataclasses.replace(v, free=dict(free[v.visitor_id])) for v in team]
        for placement in solve(by_month[month], now_free):
            free[placement.visitor_id][placement.week] -= 1
            placements.append(placement)
    return placements


def pure_quality(year: DataSet, large: DataSet) -> None:
    out("1. Quality, pure (no database): visits.batch.greedy (one by one, in order of registration)")
    out('   against visits.batch.solve (the whole year at once; "monthly": one move-in month at a time);')
    out("   every week with a working day free to full capacity")
    columns = []
    peaks = {}
    for data in (year, large):
        move_ins, team = generate.batch_move_ins(data), generate.batch_visitors(data)
        greedy_q = quality(data, team, pure_outcomes(data, greedy(move_ins, team)))
        solver_q = quality(data, team, pure_outcomes(data, solve(move_ins, team)))
        columns += [(f"{data.name}:greedy", greedy_q), (f"{data.name}:solver", solver_q)]
        if data is year:
            monthly = quality(data, team, pure_outcomes(data, solve_monthly(data, move_ins, team)))
            columns.append((f"{data.name}:monthly", monthly))
        peaks[data.name] = (greedy_q, solver_q)
    print_quality(columns)
    out("   greedy's max load ÷ the solver's, three ways of reading \"max load\":")
    for name, (greedy_q, solver_q) in peaks.items():
        for what, value in (
            ("peak visitor-week", lambda q: q.peak_week),
            ("fullest visitor each week, mean", lambda q: q.weekly_peak),
            ("busiest visitor's year", lambda q: q.peak_year),
        ):
            ratio = value(greedy_q) / value(solver_q)
            row(
                f"{name}: {what}",
                f"{ratio:.2f}",
                target=f"≤ {GREEDY_PEAK_TARGET:.2f}",
                verdict=met(ratio <= GREEDY_PEAK_TARGET),
            )

    move_ins, team = generate.batch_move_ins(large), generate.batch_visitors(large)
    times = []
    for _ in range(SOLVER_RUNS):
        started = time.perf_counter()
        solve(move_ins, team)
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    row(
        f"solve {len(move_ins):,} × {len(team)}: median of {SOLVER_RUNS} (s)",
        f"{median:.3f}",
        target=f"< {SOLVER_SECONDS_TARGET:.0f} s",
        verdict=met(median < SOLVER_SECONDS_TARGET),
    )
    started = time.perf_counter()
    greedy(move_ins, team)
    row(f"greedy {len(move_ins):,} × {len(team)}: one run (s)", f"{time.perf_counter() - started:.3f}")


# --- The database ------------------------------------------------------------------------------------------


def create_database() -> str:
    """A fresh, migrated database of the benchmark's own, as Django's test runner makes one. Its name."""
    original = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{original}"
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)


def drop_database(original: str) -> None:
    connection.creation.destroy_test_db(original, verbosity=0)


def db_outcomes(data: DataSet, move_ins: Sequence[MoveIn]) -> tuple[list[Outcome], float]:
    """The open visits of the data set's move-ins as outcomes, and the share sent to the coordinator."""
    index = {m.id: n for n, m in enumerate(move_ins)}
    # bench.generate writes the team in order, so id order is team order.
    visitor_index = {vid: n for n, vid in enumerate(Visitor.objects.order_by("id").values_list("id", flat=True))}
    outcomes = []
    visits = Visit.objects.filter(move_in_id__in=index, status__in=Visit.OPEN_STATUSES).values_list(
        "move_in_id", "visitor_id", "starts_at", "language_id", "interpreter_needed"
    )
    for move_in_id, visitor_id, starts_at, language, interpreter in visits:
        n = index[move_in_id]
        day = starts_at.astimezone(STOCKHOLM).date()
        first, last = generate.window(data.move_ins[n])
        outcomes.append(
            Outcome(
                n, visitor_index[visitor_id], week_start(day), None if interpreter else language, first <= day <= last
            )
        )
    coordinator = MoveIn.objects.filter(id__in=index, assignment_state=MoveIn.AssignmentState.NEEDS_COORDINATOR)
    return outcomes, coordinator.count() / len(move_ins)


@dataclass
class QueryProbe:
    attempt: list[str]
    assign: list[str]


def sequential(data: DataSet, move_ins: Sequence[MoveIn]) -> tuple[list[float], QueryProbe]:
    """Every move-in through services.assign_move_in in order of registration, "now" frozen at its
    registration. The queries of one are captured (with the task's attempt counter): the first from the
    middle on that gets a visit, the common path (the coordinator's is shorter). Its time is not counted."""
    times = []
    probe = None
    middle = len(move_ins) // 2
    for n, (planned, move_in) in enumerate(zip(data.move_ins, move_ins, strict=True)):
        awaiting = MoveIn.objects.filter(id=move_in.id)
        awaiting.update(assignment_state=MoveIn.AssignmentState.AWAITING, assignment_note="")
        now = generate.registered_at(planned)
        if n >= middle and probe is None:
            reset_queries()
            with CaptureQueriesContext(connection) as attempt:
                services.record_assignment_attempt(move_in_id=move_in.id, task_id=str(uuid.uuid4()))
            with CaptureQueriesContext(connection) as assign:
                visit = services.assign_move_in(move_in_id=move_in.id, now=now)
            if visit is not None:
                probe = QueryProbe(
                    [q["sql"] for q in attempt.captured_queries], [q["sql"] for q in assign.captured_queries]
                )
            continue
        started = time.perf_counter()
        services.assign_move_in(move_in_id=move_in.id, now=now)
        times.append(time.perf_counter() - started)
    if probe is None:
        raise RuntimeError("No move-in of the second half got a visit: nothing to count queries on.")
    return times, probe


def monthly_batches(data: DataSet, move_ins: Sequence[MoveIn]) -> list[float]:
    """The same move-ins again, from scratch, through services.assign_batch: each month's move-ins in one
    batch run on the 1st at 07:00 (knowing the month's move-ins then: some were registered later)."""
    with connection.cursor() as cursor:
        # CASCADE: what refers to visits (messages, logs, change requests) goes with them.
        cursor.execute(f"TRUNCATE {Assignment._meta.db_table}, {Visit._meta.db_table} CASCADE")
    MoveIn.objects.update(assignment_state=NOT_YET, assignment_note=NOT_YET_NOTE, assignment_attempts=0)
    by_month: dict[datetime.date, list[int]] = defaultdict(list)
    for planned, move_in in zip(data.move_ins, move_ins, strict=True):
        by_month[planned.move_in.move_in_date.replace(day=1)].append(move_in.id)
    times = []
    for month in sorted(by_month):
        ids = sorted(by_month[month])
        MoveIn.objects.filter(id__in=ids).update(assignment_state=MoveIn.AssignmentState.AWAITING, assignment_note="")
        now = datetime.datetime.combine(month, datetime.time(7), tzinfo=STOCKHOLM)
        started = time.perf_counter()
        services.assign_batch(move_in_ids=ids, now=now)
        times.append(time.perf_counter() - started)
    return times


def db_quality(year: DataSet, large: DataSet) -> tuple[QueryProbe, float]:
    out()
    out(f"2. Quality through the services on PostgreSQL: the year ({len(year.move_ins):,} move-ins, demo team)")
    started = time.perf_counter()
    generate.write(large)
    written_large = time.perf_counter() - started
    generate.clear()
    started = time.perf_counter()
    move_ins = generate.write(year, state=NOT_YET, note=NOT_YET_NOTE)
    written_year = time.perf_counter() - started
    row("write the large set (10,000 move-ins, 30 visitors) (s)", f"{written_large:.2f}")
    row("write the year set (s)", f"{written_year:.2f}")
    team = generate.batch_visitors(year)

    times, probe = sequential(year, move_ins)
    outcomes, coordinator = db_outcomes(year, move_ins)
    one_by_one = quality(year, team, outcomes)
    one_by_one.coordinator = coordinator
    batch_times = monthly_batches(year, move_ins)
    outcomes, coordinator = db_outcomes(year, move_ins)
    batched = quality(year, team, outcomes)
    batched.coordinator = coordinator
    print_quality([("one by one", one_by_one), ("monthly", batched)])
    row(
        "in-process time: assign_move_in median / p95",
        ms(statistics.median(times)),
        ms(_p95(times)),
    )
    row("in-process time: assign_batch per month, median", ms(statistics.median(batch_times)))
    return probe, statistics.median(times)


def _p95(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


# --- End to end ----------------------------------------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen
    nodename: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def check(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"The worker exited with {self.process.returncode}; its log:\n{self.log()[-4000:]}")
        if "raised unexpected" in self.log():
            raise RuntimeError(f"A task failed; the worker's log:\n{self.log()[-4000:]}")


def start_worker(database: str, queue: str) -> Worker:
    """`celery worker` as in production (prefork, a pool of 2), on the benchmark's database and queue, with
    the no-op task included."""
    nodename = f"bench-{os.getpid()}@{socket.gethostname()}"
    log_path = Path(settings.VAR_DIR) / "bench-worker.log"
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{database}").geturl()
    process = spawn_worker(
        nodename=nodename,
        log_path=log_path,
        env={**os.environ, "DATABASE_URL": url, "PYTHONUNBUFFERED": "1"},
        concurrency=WORKER_CONCURRENCY,
        extra_args=["-Q", queue, "-I", "bench.tasks"],
    )
    worker = Worker(process, nodename, log_path)
    deadline = time.monotonic() + 60
    while not (f"{nodename} ready." in worker.log() and app.control.ping(destination=[nodename], timeout=1)):
        worker.check()
        if time.monotonic() > deadline:
            raise RuntimeError(f"The worker did not start in 60 s; its log:\n{worker.log()[-4000:]}")
        time.sleep(0.2)
    return worker


def stop_worker(worker: Worker) -> None:
    if worker.process.poll() is None:
        worker.process.terminate()  # warm shutdown
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait()


def route_to(queue: str) -> None:
    """Send this process's tasks to the benchmark's queue, so that no other worker on the same Redis
    (a developer's, another run's) takes them."""
    app.conf.task_routes = {"visits.*": {"queue": queue}, "bench.*": {"queue": queue}}
    app.amqp.flush_routes()
    app.amqp.router = app.amqp.Router()


def noop_round_trips(client: redis.Redis, runs: int) -> list[float]:
    """Publish, then wait (BLPOP) until the worker has run it; one at a time."""
    from bench.tasks import noop

    key = f"bench:noop:{os.getpid()}"
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        noop.apply_async((key,))
        if client.blpop([key], timeout=WAIT_SECONDS) is None:
            raise RuntimeError("A no-op task did not run within the wait.")
        times.append(time.perf_counter() - started)
    return times


def noop_burst(client: redis.Redis, count: int) -> float:
    from bench.tasks import noop

    key = f"bench:noop-burst:{os.getpid()}"
    started = time.perf_counter()
    for _ in range(count):
        noop.apply_async((key,))
    for _ in range(count):
        if client.blpop([key], timeout=WAIT_SECONDS) is None:
            raise RuntimeError("A no-op task did not run within the wait.")
    return time.perf_counter() - started


class LiveMoveIns:
    """Households generated as for the year, moving in over the coming 16 weeks, registered now through
    tenants.services.register_move_in (which enqueues after commit), as a coordinator's form does."""

    def __init__(self, count: int):
        today = timezone.localdate()
        data = generate.generate(
            "live", move_ins=count, team=generate.demo_team(), first_day=today + datetime.timedelta(days=7), days=112
        )
        generate.write_households(data.move_ins)
        self.waiting = list(data.move_ins)
        self.apartments = list(Apartment.objects.order_by("id"))
        self.count = 0

    def register(self) -> tuple[int, float, float]:
        """Register one; its id, and the moment (perf counter, wall clock) its transaction committed, just
        before the task is published."""
        planned = self.waiting.pop()
        self.count += 1
        committed: list[tuple[float, float]] = []
        with transaction.atomic():
            # Registered before register_move_in's own callback, so it runs first: the commit, then publish.
            transaction.on_commit(lambda: committed.append((time.perf_counter(), time.time())))
            move_in = tenant_services.register_move_in(
                household=planned.household,
                apartment=self.apartments[self.count % len(self.apartments)],
                move_in_date=planned.move_in.move_in_date,
                contract_number=f"BENCH-LIVE-{self.count:06d}",
            )
        return move_in.id, *committed[0]


def decided(ids: Sequence[int]) -> int:
    return MoveIn.objects.filter(id__in=ids).exclude(assignment_state=MoveIn.AssignmentState.AWAITING).count()


def assignment_round_trips(live: LiveMoveIns, worker: Worker, runs: int) -> tuple[list[float], list[float]]:
    """One at a time: register, then poll (every 2 ms) until the worker's decision is committed. Returns the
    round trips and the delays commit -> visit row created_at."""
    times, to_row = [], []
    for _ in range(runs):
        move_in_id, committed, wall = live.register()
        deadline = committed + WAIT_SECONDS
        while not decided([move_in_id]):
            if time.perf_counter() > deadline:
                worker.check()
                raise RuntimeError(f"Move-in {move_in_id} was not assigned within the wait.")
            time.sleep(0.002)
        times.append(time.perf_counter() - committed)
        created = Visit.objects.filter(move_in_id=move_in_id).values_list("created_at", flat=True).first()
        if created is not None:
            to_row.append(created.timestamp() - wall)
    return times, to_row


def assignment_burst(live: LiveMoveIns, worker: Worker, count: int) -> tuple[float, list[float], int]:
    """Register `count` move-ins back to back, then wait until all are decided. Returns the time from the
    first commit to the last decision, the delays commit -> visit row created_at, and how many went to
    the coordinator."""
    registered = [live.register() for _ in range(count)]
    ids = [move_in_id for move_in_id, _c, _w in registered]
    deadline = time.perf_counter() + WAIT_SECONDS
    while decided(ids) < count:
        worker.check()
        if time.perf_counter() > deadline:
            raise RuntimeError(f"Only {decided(ids)} of {count} move-ins were assigned within the wait.")
        time.sleep(0.02)
    finished = time.perf_counter()
    # The last decision's moment from the database (the poll above adds up to 20 ms).
    last = max(Assignment.objects.filter(move_in_id__in=ids).values_list("created_at", flat=True))
    first_commit_wall = registered[0][2]
    total = min(finished - registered[0][1], last.timestamp() - first_commit_wall + 0.001)
    wall = {move_in_id: w for move_in_id, _c, w in registered}
    to_row = [
        created.timestamp() - wall[move_in_id]
        for move_in_id, created in Visit.objects.filter(move_in_id__in=ids).values_list("move_in_id", "created_at")
    ]
    coordinator = MoveIn.objects.filter(id__in=ids, assignment_state=MoveIn.AssignmentState.NEEDS_COORDINATOR)
    return total, to_row, coordinator.count()


def end_to_end(database: str, probe: QueryProbe, in_process: float) -> None:
    out()
    out(f"3. End to end: a real worker (prefork, pool of {WORKER_CONCURRENCY}), Redis, PostgreSQL; demo team,")
    out("   with the year above in the database as history")
    out(f"   {load_line()} before; busy: {busy_processes()}")
    queue = f"bench-{os.getpid()}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    route_to(queue)
    live = LiveMoveIns(SERIAL_WARMUP + SERIAL_RUNS + BURST)
    worker = start_worker(database, queue)
    try:
        noop_round_trips(client, NOOP_WARMUP)
        noop = noop_round_trips(client, NOOP_RUNS)
        assignment_round_trips(live, worker, SERIAL_WARMUP)
        assign, serial_to_row = assignment_round_trips(live, worker, SERIAL_RUNS)
        noop_total = noop_burst(client, BURST)
        burst_total, burst_to_row, burst_coordinator = assignment_burst(live, worker, BURST)
        worker.check()
    finally:
        stop_worker(worker)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()
    out(f"   {load_line()} after")
    out(f"  {'':<{LABEL}}{'median':>{CELL}}{'p95':>{CELL}}")
    row(f"no-op task round trip, one at a time (n={NOOP_RUNS})", ms(statistics.median(noop)), ms(_p95(noop)))
    row(
        f"assignment round trip, one at a time (n={SERIAL_RUNS})",
        ms(statistics.median(assign)),
        ms(_p95(assign)),
    )
    row("  commit -> visit row created_at", ms(statistics.median(serial_to_row)), ms(_p95(serial_to_row)))
    row("  of it in the service itself (in-process, section 2)", ms(in_process))
    ratio = statistics.median(assign) / statistics.median(noop)
    row(
        "assignment ÷ no-op round trip (medians)",
        f"{ratio:.1f}×",
        target=f"≤ {ROUND_TRIP_RATIO_TARGET:.0f}×",
        verdict=met(ratio <= ROUND_TRIP_RATIO_TARGET),
    )
    row(f"burst of {BURST} no-ops: all done (s) / per second", f"{noop_total:.2f}", f"{BURST / noop_total:.0f}/s")
    row(
        f"burst of {BURST} move-ins: all decided (s) / per second",
        f"{burst_total:.2f}",
        f"{BURST / burst_total:.1f}/s",
    )
    row(
        "  commit -> visit row created_at (queueing included)",
        ms(statistics.median(burst_to_row)),
        ms(_p95(burst_to_row)),
    )
    row("  sent to the coordinator (no room in the window)", f"{burst_coordinator}")
    row("throughput, assignments ÷ no-ops", f"{(BURST / burst_total) / (BURST / noop_total):.3f}")

    queries = [*probe.attempt, *probe.assign]
    per_task = len(queries)
    transactions = sum(sql.strip().upper() in ("BEGIN", "COMMIT", "ROLLBACK") for sql in queries)
    row(
        "queries per assignment task (attempt + assign_move_in)",
        f"{per_task}",
        f"= {len(probe.attempt)} + {len(probe.assign)}",
        target=f"≤ {QUERIES_TARGET}",
        verdict=met(per_task <= QUERIES_TARGET),
    )
    row("  of them BEGIN/COMMIT; the others", f"{transactions}", f"{per_task - transactions}")
    out("   the queries of one task that planned a visit (in-process, CaptureQueriesContext), in order:")
    for n, sql in enumerate([*probe.attempt, *probe.assign], start=1):
        where = "attempt" if n <= len(probe.attempt) else "assign "
        out(f"   {n:>3}. {where} {_short(sql)}")


def _short(sql: str, width: int = 110) -> str:
    sql = " ".join(sql.split())
    return sql if len(sql) <= width else sql[: width - 1] + "…"


# --- The run ---------------------------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep-db", action="store_true", help="Keep the benchmark's database after the run.")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    out(f"Hemkunskap matching benchmark, {timezone.now():%Y-%m-%d %H:%M %Z}, seed {generate.SEED}")
    out(f"machine: {os.cpu_count()} cores, {memory:.1f} GiB; Python {sys.version.split()[0]}")
    out(f"{load_line()} at the start; busy: {busy_processes()}")
    year = generate.generate("year", move_ins=YEAR_MOVE_INS, team=generate.demo_team())
    large = generate.generate("large", move_ins=LARGE_MOVE_INS, team=generate.large_team(LARGE_TEAM))
    for data in (year, large):
        weeks = len(generate.batch_visitors(data)[0].free) if data.team else 0
        out(
            f"{data.name}: {len(data.move_ins):,} move-ins {data.first_day}–{data.last_day} "
            f"({len(data.move_ins) / 52:.0f} a week), {len(data.team)} visitors, "
            f"{data.weekly_capacity} visits a week between them (~{weeks} weeks in the data)"
        )
    out()
    pure_quality(year, large)

    original = connection.settings_dict["NAME"]
    database = create_database()
    try:
        probe, in_process = db_quality(year, large)
        connection.close()  # the worker's connections and ours: nothing stale across the fork
        end_to_end(database, probe, in_process)
    finally:
        if not args.keep_db:
            drop_database(original)
    out()
    out(f"done in {time.perf_counter() - started:.0f} s; {load_line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
