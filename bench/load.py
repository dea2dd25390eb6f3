# ruff: noqa: E402  (Django is set up before the app's modules are imported)
"""The load run: `python -m bench.load` (or `make load`) with DATABASE_URL naming a PostgreSQL server. Not a
test: it prints figures (docs/reliability.md keeps the latest) and exits 1 if any request failed.

1. A database of its own, `<name of DATABASE_URL's database>_load`, created and migrated for the run (as
   Django's test runner makes one), seeded by `seed_demo` with three years of Hyresbostäder-sized history
   (4,500 move-ins and their visits), and dropped after it (`--keep-db` keeps it). A redis-server of its
   own on a free port, so no other worker takes its tasks and nothing in another Redis is touched.
2. As in production (DEBUG off, static files collected): gunicorn with 4 sync workers and a Celery worker
   (prefork, a pool of 2). Two-factor sign-in is off for the run (TWO_FACTOR_REQUIRED=0): the users sign
   in with the demo passwords, once each.
3. The 35 users with a role sign in through the login page, once each, before the clock starts (a password
   check is slow on purpose: 50 at once would measure nothing else); the 15 API clients use a token.
4. locust (bench/locustfile.py): 50 users at once for 60 s (18 visitors, 12 coordinators, 5 managers, 15
   API clients), 0.5–1.5 s between requests. Then: requests, errors, p50 and p95 per group of pages and
   overall, and what the worker made of the move-ins the API clients registered.
"""

import argparse
import atexit
import collections
import datetime
import io
import json
import math
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hemkunskap.settings")
# This process seeds the database, which seed_demo does only with DEBUG on; gunicorn and the worker run
# with DEBUG off, as in production (see production_env).
os.environ["DEBUG"] = "1"


def _database_or_exit() -> str:
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "The load run needs PostgreSQL: set DATABASE_URL=postgres://… (it works in a database of its own, "
            "<name>_load, made for the run, and starts a redis-server of its own)."
        )
    return database


DATABASE_URL = _database_or_exit()

from hemkunskap.tests.servers import RedisServer, free_port, start_gunicorn, stop_process

BASE_DIR = Path(__file__).resolve().parent.parent
WORK_DIR = Path(tempfile.mkdtemp(prefix="hemkunskap-load-"))
REDIS = RedisServer(log_path=WORK_DIR / "redis-server.log")
REDIS.start()  # before Django reads REDIS_URL: the cache and the broker of this process are on it too
atexit.register(REDIS.stop)
os.environ["REDIS_URL"] = REDIS.url()

import django
import requests

django.setup()

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from hemkunskap.worker_process import spawn_worker
from tenants.models import MoveIn
from visits import demo
from visits.models import Visit

USERS = 50
SPAWN_RATE = USERS  # all at once: their sessions are signed in before the clock starts
# Signed-in sessions per role (the API clients use a token): every user of locust takes one of its own.
SESSIONS = {"visitor": 18, "coordinator": 12, "manager": 5}
VISITORS = ("visitor1", "visitor2", "visitor3")
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SECONDS = 60
GUNICORN_WORKERS = 4
WORKER_CONCURRENCY = 2
SEED_YEARS = 3
SEED_PER_YEAR = 1500  # Hyresbostäder's move-ins a year (seed_demo's default)
CONTRACT_PREFIX = "LOAD-"
# No user of the run opens the admin or the API docs: their files are most of collectstatic's time.
UNUSED_STATIC = ["--ignore", "admin", "--ignore", "drf_spectacular_sidecar", "--ignore", "rest_framework"]
# After the run, how long the worker gets to decide the last move-ins registered.
DRAIN_SECONDS = 60


def create_database() -> str:
    """A fresh, migrated database of the run's own, made as Django's test runner makes one. Its name."""
    original = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{original}_load"
    return connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)


def database_url(name: str) -> str:
    return urlsplit(DATABASE_URL)._replace(path=f"/{name}").geturl()


def seed() -> dict[str, object]:
    """The demo's people and history, and what the users will ask for."""
    started = time.monotonic()
    call_command("seed_demo", years=SEED_YEARS, per_year=SEED_PER_YEAR, stdout=io.StringIO())
    print(
        f"  seeded in {time.monotonic() - started:.0f} s: {MoveIn.objects.count()} move-ins, "
        f"{Visit.objects.count()} visits"
    )
    integration = get_user_model().objects.create_user(username="fastighetssystemet", password=None)
    integration.groups.add(Group.objects.get(name="coordinator"))
    today = timezone.localdate()
    visit_ids = {
        username: list(
            Visit.objects.filter(
                visitor__user__username=username, starts_at__date__gte=today - datetime.timedelta(days=60)
            )
            .order_by("starts_at")
            .values_list("id", flat=True)[:200]
        )
        for username in VISITORS
    }
    households = MoveIn.objects.order_by("-move_in_date").values_list("id", "household__contact_name")[:400]
    return {
        "token": Token.objects.create(user=integration).key,
        "visit_ids": visit_ids,
        "move_in_ids": [move_in_id for move_in_id, _ in households],
        "search_terms": sorted({name.split()[-1] for _, name in households if name}),
        "languages": ["ar", "so", "ti", "prs", "fa", "ckb", "am", "en", "sv"],
        "today": today.isoformat(),
        "contract_prefix": CONTRACT_PREFIX,
    }


def sign_in(base_url: str, username: str) -> tuple[str, dict[str, str], float]:
    """Through the login page, as a browser does: the session's cookies, and how long the POST (the password
    check) took."""
    client = requests.Session()
    form = client.get(f"{base_url}/login/", timeout=120)
    _plain_http(client)
    token = CSRF_FIELD.search(form.text)
    started = time.monotonic()
    answer = client.post(
        f"{base_url}/login/",
        data={
            "username": username,
            "password": demo.DEFAULT_PASSWORD,
            "csrfmiddlewaretoken": token.group(1) if token else "",
        },
        allow_redirects=False,
        timeout=120,
    )
    seconds = time.monotonic() - started
    _plain_http(client)
    if answer.status_code != 302 or settings.SESSION_COOKIE_NAME not in client.cookies:
        raise RuntimeError(f"{username} could not sign in: {answer.status_code} {answer.text[:300]}")
    return username, dict(client.cookies), seconds


def _plain_http(client: requests.Session) -> None:
    # With DEBUG off the session and CSRF cookies are Secure, and the run speaks plain HTTP to gunicorn on
    # 127.0.0.1 (no TLS proxy in front), where a client would otherwise never send them back.
    for cookie in client.cookies:
        cookie.secure = False


def sign_in_everyone(base_url: str) -> tuple[dict[str, list], list[float]]:
    """One session per locust user with a role, signed in GUNICORN_WORKERS at a time (which also warms
    every gunicorn worker up): {role: [(username, cookies), ...]}, and the POSTs' times."""
    logins = [
        (role, VISITORS[n % len(VISITORS)] if role == "visitor" else role)
        for role, count in SESSIONS.items()
        for n in range(count)
    ]
    with ThreadPoolExecutor(max_workers=GUNICORN_WORKERS) as pool:
        signed_in = list(pool.map(lambda login: sign_in(base_url, login[1]), logins))
    sessions: dict[str, list] = collections.defaultdict(list)
    for (role, _), (username, cookies, _) in zip(logins, signed_in, strict=True):
        sessions[role].append((username, cookies))
    return sessions, [seconds for _, _, seconds in signed_in]


def production_env(database: str) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SMS_BACKEND": "file",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "TWO_FACTOR_REQUIRED": "0",
        "DATABASE_URL": database_url(database),
        "REDIS_URL": REDIS.url(),
        "VAR_DIR": str(WORK_DIR / "var"),
        "LOG_LEVEL": "WARNING",  # a line per request would cost the run more than the pages
        "PYTHONUNBUFFERED": "1",
    }


def cpu_seconds(master_pid: int) -> float:
    """User and system CPU time of gunicorn's workers (the master's children), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        # After "pid (comm)": state, ppid, ... utime and stime are the 12th and 13th.
        if int(fields[1]) == master_pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest rank: the value below which `share` of the values lie."""
    return sorted_values[max(0, math.ceil(share * len(sorted_values)) - 1)]


def report(results: list[tuple[str, float, bool]]) -> int:
    """Print the table; the number of failed requests."""
    by_group: dict[str, list[tuple[float, bool]]] = collections.defaultdict(list)
    by_page: dict[str, list[tuple[float, bool]]] = collections.defaultdict(list)
    for name, milliseconds, ok in results:
        by_group[name.split(":")[0]].append((milliseconds, ok))
        by_page[name].append((milliseconds, ok))
    overall = [row for rows in by_group.values() for row in rows]

    def line(label: str, rows: list[tuple[float, bool]]) -> str:
        times = sorted(ms for ms, _ in rows)
        errors = sum(1 for _, ok in rows if not ok)
        return f"  {label:<34}{len(rows):>9}{errors:>8}{statistics.median(times):>9.0f}{percentile(times, 0.95):>9.0f}"

    print(f"  {'':<34}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}")
    for group in ("visitor", "coordinator", "manager", "api"):
        if group in by_group:
            print(line(group, by_group[group]))
    print(line("overall", overall))
    print("  by page:")
    for name in sorted(by_page):
        print(line("  " + name, by_page[name]))
    return sum(1 for _, _, ok in results if not ok)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep-db", action="store_true", help="Keep the run's database afterwards.")
    args = parser.parse_args()

    original = connection.settings_dict["NAME"]
    print(f"Load run: {USERS} users for {SECONDS} s; work files in {WORK_DIR}")
    print(f"  load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    database = create_database()
    processes: list[subprocess.Popen] = []
    try:
        print(f"  database {database} created; seeding ({SEED_YEARS} years, {SEED_PER_YEAR} move-ins a year)")
        plan = seed()
        plan_path, results_path = WORK_DIR / "plan.json", WORK_DIR / "results.json"
        connection.close()  # the run's processes, not this one, use the database from here on

        env = production_env(database)
        subprocess.run(  # noqa: S603 (a fixed command line)
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0", *UNUSED_STATIC],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
        nodename = f"load-{os.getpid()}@{socket.gethostname()}"
        worker = spawn_worker(
            nodename=nodename, log_path=WORK_DIR / "celery-worker.log", env=env, concurrency=WORKER_CONCURRENCY
        )
        processes.append(worker)
        port = free_port()
        processes.append(
            start_gunicorn(port=port, env=env, log_path=WORK_DIR / "gunicorn.log", workers=GUNICORN_WORKERS)
        )
        print(f"  gunicorn ({GUNICORN_WORKERS} workers) on port {port}, celery worker (pool {WORKER_CONCURRENCY})")
        plan["sessions"], login_seconds = sign_in_everyone(f"http://127.0.0.1:{port}")
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        logins = sorted(seconds * 1000 for seconds in login_seconds)
        print(
            f"  signed in {len(logins)} sessions through the login page, {GUNICORN_WORKERS} at a time: "
            f"p50 {statistics.median(logins):.0f} ms, p95 {percentile(logins, 0.95):.0f} ms (the password check)"
        )

        web = processes[-1]
        cpu_before = cpu_seconds(web.pid)
        locust = subprocess.run(  # noqa: S603 (a fixed command line)
            [
                sys.executable,
                "-m",
                "locust",
                "--locustfile",
                str(BASE_DIR / "bench" / "locustfile.py"),
                "--headless",
                "--users",
                str(USERS),
                "--spawn-rate",
                str(SPAWN_RATE),
                "--run-time",
                f"{SECONDS}s",
                "--host",
                f"http://127.0.0.1:{port}",
                "--stop-timeout",
                "10",
            ],
            cwd=BASE_DIR,
            env={**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_RESULTS": str(results_path)},
            stdout=(WORK_DIR / "locust.log").open("w"),
            stderr=subprocess.STDOUT,
            check=False,
        )
        print(
            f"  load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (locust exited {locust.returncode})"
        )
        if not results_path.exists():
            print(f"locust wrote no results; see {WORK_DIR / 'locust.log'}", file=sys.stderr)
            return 1
        results = json.loads(results_path.read_text())
        errors = report(results)
        # CPU time, not wall time: what a request costs whatever else the machine is doing.
        cpu_ms = (cpu_seconds(web.pid) - cpu_before) * 1000 / max(1, len(results))
        print(f"  gunicorn workers' CPU time per request: {cpu_ms:.0f} ms (PostgreSQL's not included)")

        # The move-ins the API clients registered: did the worker keep up?
        registered = MoveIn.objects.filter(contract_number__startswith=CONTRACT_PREFIX)
        waiting = registered.filter(assignment_state=MoveIn.AssignmentState.AWAITING)
        deadline = time.monotonic() + DRAIN_SECONDS
        while waiting.exists() and time.monotonic() < deadline:
            time.sleep(1)
        states = collections.Counter(registered.values_list("assignment_state", flat=True))
        print(
            f"  move-ins registered through the API: {sum(states.values())}; decided by the worker: "
            f"{states[MoveIn.AssignmentState.ASSIGNED]} assigned, "
            f"{states[MoveIn.AssignmentState.NEEDS_COORDINATOR]} to a coordinator; "
            f"still waiting: {states[MoveIn.AssignmentState.AWAITING]}"
        )
        if errors:
            print(f"{errors} requests failed; see {WORK_DIR / 'locust.log'} and gunicorn.log", file=sys.stderr)
        return 1 if errors else 0
    finally:
        for process in processes:
            stop_process(process)
        REDIS.stop()
        connection.close()
        if args.keep_db:
            print(f"  kept the database {database}")
        else:
            connection.creation.destroy_test_db(original, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
