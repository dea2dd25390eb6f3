"""Test plumbing shared by every app: the `services` marker and a real Celery worker.

Tests marked `@pytest.mark.services` need PostgreSQL (DATABASE_URL), Redis (REDIS_URL) and, through the
`celery_worker` fixture, a real worker process. On a bare machine they are skipped, so `make test` passes
with no servers. With REQUIRE_SERVICES=1 (CI) a missing service is an error instead of a skip: a CI machine
whose Redis died must not turn the integration tests into a green run that tested nothing.

    @pytest.mark.services
    @pytest.mark.django_db(transaction=True)   # the worker sees only committed rows
    def test_something(celery_worker):
        ...publish through the real broker...
        celery_worker.wait_until(lambda: <a database query>, timeout=30, what="...")

One worker serves the whole run (`celery_worker_process`, started on first use); `celery_worker` hands it
to a test with the log read from where that test begins, so a task that raises fails that test at once.
Tests about races and crashes take `celery_workers` instead: that worker and two more, each with a pool
of its own, for the length of one test module (after it, only the session's worker reads the queue again,
so other tests still find their tasks in its log).
The broker is the Redis database REDIS_URL names, and it is purged when the worker starts: never point
the tests at a Redis database that a live worker reads.

We never use Celery's eager mode: the worker here is a separate process that takes messages from the real
broker and writes to the test database, exactly as in production.
"""

import functools
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from hemkunskap.env import ConfigurationError, env_bool
from hemkunskap.worker_process import spawn_worker

BASE_DIR = Path(__file__).resolve().parent
# Gitignored; CI can keep it as an artifact. Two runs side by side on one checkout need one each.
ARTIFACTS_DIR = Path(os.environ.get("TEST_ARTIFACTS_DIR") or BASE_DIR / "test-artifacts")
WORKER_LOG = ARTIFACTS_DIR / "celery-worker.log"
WORKER_START_TIMEOUT_SECONDS = 60
WORKER_STOP_TIMEOUT_SECONDS = 20
# A failed wait shows this much of each worker's log (a test with 1500 tasks logs 3000 lines).
FAILURE_LOG_LINES = 150
# `celery_workers`: the session's worker (a pool of 2) and this many more with pools of this size.
EXTRA_WORKERS = 2
EXTRA_WORKER_CONCURRENCY = 3
SERVICE_CONNECT_TIMEOUT_SECONDS = 3
# How celery.app.trace logs a task that raised something it does not retry.
TASK_FAILED = "raised unexpected:"
# Logs of workers started in this run, for the summary when something failed.
_started_worker_logs: list[Path] = []


# --- Are the services there? ------------------------------------------------------------------------------


def _require_services() -> bool:
    try:
        return env_bool("REQUIRE_SERVICES", False)
    except ConfigurationError as exc:
        raise pytest.UsageError(str(exc)) from None


def _where(url: str) -> str:
    """host:port/db of a URL, never its password."""
    parts = urlsplit(url)
    return f"{parts.hostname or '?'}:{parts.port or '-'}{parts.path}"


def _check_postgresql() -> str | None:
    """None when DATABASE_URL names a PostgreSQL server that answers, else what is wrong."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url.startswith(("postgres://", "postgresql://")):
        scheme = url.split("://")[0] + "://" if url else "nothing"
        return f"PostgreSQL: DATABASE_URL is not a postgres:// URL (got {scheme})"
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(url)
    try:
        # The maintenance database, as Django itself uses to create the test database: the server
        # answering is what matters here, not whether the app's database exists yet.
        psycopg2.connect(
            host=config.get("HOST") or None,
            port=config.get("PORT") or None,
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=SERVICE_CONNECT_TIMEOUT_SECONDS,
        ).close()
    except psycopg2.Error as exc:
        return f"PostgreSQL at DATABASE_URL ({_where(url)}) does not answer: {str(exc).strip()}"
    return None


def _check_redis() -> str | None:
    """None when REDIS_URL names a Redis server that answers PING, else what is wrong."""
    url = os.environ.get("REDIS_URL", "").strip()
    if not url:
        return "Redis: REDIS_URL is not set"
    import redis

    try:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=SERVICE_CONNECT_TIMEOUT_SECONDS, socket_timeout=SERVICE_CONNECT_TIMEOUT_SECONDS
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, ValueError) as exc:
        return f"Redis at REDIS_URL ({_where(url)}) does not answer: {exc}"
    return None


@functools.cache
def _missing_services() -> tuple[str, ...]:
    """Checked once per run."""
    return tuple(problem for problem in (_check_postgresql(), _check_redis()) if problem)


def _skip_or_fail_without_services() -> None:
    problems = _missing_services()
    if not problems:
        return
    reason = "; ".join(problems)
    if _require_services():
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(f"needs PostgreSQL and Redis: {reason}")


def pytest_configure(config: pytest.Config) -> None:
    _require_services()  # a typo such as REQUIRE_SERVICES=ture stops the run at once


def pytest_report_header(config: pytest.Config) -> str:
    problems = _missing_services()
    if not problems:
        return "services: PostgreSQL and Redis answer; services tests run against them and a real worker"
    consequence = "FAIL" if _require_services() else "are skipped"
    return f"services: services tests {consequence} ({'; '.join(problems)})"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # tryfirst: decide before any fixture runs, so a missing Redis costs no database setup and no
    # minute-long wait for a worker that cannot start.
    if item.get_closest_marker("services"):
        _skip_or_fail_without_services()


# --- A real Celery worker -----------------------------------------------------------------------------


@dataclass
class CeleryWorker:
    process: subprocess.Popen
    nodename: str
    log_path: Path
    # Where the current test's part of the log begins (see the `celery_worker` fixture).
    log_start: int = 0

    def log(self) -> str:
        """What the worker logged during the current test."""
        with self.log_path.open("rb") as log:
            log.seek(self.log_start)
            return log.read().decode("utf-8", errors="replace")

    def wait_until(self, condition: Callable[[], object], *, timeout: float, what: str) -> None:
        """Poll `condition` (e.g. a database query) until it is true. Fail with the worker's log at once if
        the worker died or a task raised, else after `timeout` seconds."""
        CeleryWorkers([self]).wait_until(condition, timeout=timeout, what=what)

    def wait_for_log(self, text: str, *, timeout: float = 30) -> None:
        """Wait until the worker has logged `text`, e.g. "Task visits.assign_move_in[<id>] succeeded"."""
        self.wait_until(lambda: text in self.log(), timeout=timeout, what=f"the worker to log {text!r}")


@dataclass
class CeleryWorkers:
    """Several worker processes on one broker and one test database: which of them runs a task is the
    broker's choice, so every question (a log line, a failure) is asked of all of them."""

    workers: list[CeleryWorker]

    @property
    def nodenames(self) -> list[str]:
        return [worker.nodename for worker in self.workers]

    def log(self, *, last_lines: int | None = None) -> str:
        """What the workers logged during the current test, one worker after the other; with last_lines,
        only the end of each (a failure stops the wait at once, so it is there)."""
        parts = []
        for worker in self.workers:
            lines = worker.log().splitlines()
            if last_lines is not None:
                lines = lines[-last_lines:]
            parts.append("\n".join([f"--- {worker.nodename} ---", *lines]))
        return "\n".join(parts)

    def wait_until(self, condition: Callable[[], object], *, timeout: float, what: str) -> None:
        """Poll `condition` until it is true. Fail with the logs at once if a worker died or one of them
        logged a failed task, else after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not condition():
            for worker in self.workers:
                if worker.process.poll() is not None:
                    pytest.fail(
                        f"The Celery worker {worker.nodename} exited with {worker.process.returncode}; "
                        f"the log:\n{self.log(last_lines=FAILURE_LOG_LINES)}"
                    )
            if any(TASK_FAILED in worker.log() for worker in self.workers):
                pytest.fail(
                    f"A task failed while waiting for {what}. The log:\n{self.log(last_lines=FAILURE_LOG_LINES)}"
                )
            if time.monotonic() > deadline:
                pytest.fail(
                    f"Gave up after {timeout} s waiting for {what}. The log:\n{self.log(last_lines=FAILURE_LOG_LINES)}"
                )
            time.sleep(0.2)

    def wait_for_log(self, text: str, *, timeout: float = 30) -> None:
        """Wait until one of the workers has logged `text`."""
        self.wait_until(lambda: text in self.log(), timeout=timeout, what=f"a worker to log {text!r}")


def _with_database_name(url: str, name: str) -> str:
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def _empty_the_broker(app) -> None:
    """Forget messages left by earlier runs: queued ones, and ones a killed worker held unacknowledged,
    which Redis would otherwise hand out again once their visibility timeout passes."""
    app.control.purge()
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.client.delete(channel.unacked_key, channel.unacked_index_key)


def _worker_environment() -> dict[str, str]:
    """The environment of a worker process: ours, pointed at pytest-django's test database."""
    from django.db import connection

    # django_db_setup has switched the connection to the test database (test_<name>).
    test_database = connection.settings_dict["NAME"]
    return {
        **os.environ,
        "DATABASE_URL": _with_database_name(os.environ["DATABASE_URL"], test_database),
        "DJANGO_SETTINGS_MODULE": "hemkunskap.settings",
        "PYTHONUNBUFFERED": "1",
    }


def _start_worker(*, name: str, log_path: Path, concurrency: int) -> CeleryWorker:
    """Start `celery worker` as a subprocess; `_wait_until_ready` tells when it takes tasks."""
    # The pid in the name: a worker left over from another run cannot answer our ping.
    nodename = f"{name}-{os.getpid()}@{socket.gethostname()}"
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    process = spawn_worker(nodename=nodename, log_path=log_path, env=_worker_environment(), concurrency=concurrency)
    _started_worker_logs.append(log_path)
    return CeleryWorker(process=process, nodename=nodename, log_path=log_path)


def _wait_until_ready(worker: CeleryWorker) -> None:
    from hemkunskap.celery import app

    def ready() -> bool:
        # Logged after worker_ready (which also records the heartbeat): the worker consumes the queue.
        if f"{worker.nodename} ready." not in worker.log():
            return False
        replies = app.control.ping(destination=[worker.nodename], timeout=1)
        return any(worker.nodename in reply for reply in replies)

    worker.wait_until(ready, timeout=WORKER_START_TIMEOUT_SECONDS, what=f"the Celery worker {worker.nodename}")


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[CeleryWorker]:
    """A real `celery worker` subprocess on the real broker (REDIS_URL), writing to pytest-django's test
    database. Use it with `transactional_db`: the worker sees only committed rows."""
    _skip_or_fail_without_services()

    from hemkunskap.celery import app

    _empty_the_broker(app)
    worker = _start_worker(name="test-worker", log_path=WORKER_LOG, concurrency=2)
    try:
        _wait_until_ready(worker)
        yield worker
    finally:
        _stop(worker.process)


@pytest.fixture(scope="module")
def celery_worker_team(celery_worker_process: CeleryWorker) -> Iterator[CeleryWorkers]:
    """The session's worker and EXTRA_WORKERS more, separate processes with pools of their own, for one test
    module. More would only queue for the same row locks on a CI machine's two or four cores."""
    extra = [
        _start_worker(
            name=f"test-worker-extra{n}",
            log_path=ARTIFACTS_DIR / f"celery-worker-extra{n}.log",
            concurrency=EXTRA_WORKER_CONCURRENCY,
        )
        for n in range(1, EXTRA_WORKERS + 1)
    ]
    try:
        for worker in extra:  # started side by side above; their start-up overlaps
            _wait_until_ready(worker)
        yield CeleryWorkers([celery_worker_process, *extra])
    finally:
        _stop(*(worker.process for worker in extra))


@pytest.fixture
def celery_worker(celery_worker_process: CeleryWorker) -> CeleryWorker:
    """The session's worker, its log read from where this test begins."""
    celery_worker_process.log_start = celery_worker_process.log_path.stat().st_size
    return celery_worker_process


@pytest.fixture
def celery_workers(celery_worker_team: CeleryWorkers) -> CeleryWorkers:
    """The module's workers, their logs read from where this test begins."""
    for worker in celery_worker_team.workers:
        worker.log_start = worker.log_path.stat().st_size
    return celery_worker_team


def _stop(*processes: subprocess.Popen) -> None:
    running = [process for process in processes if process.poll() is None]
    for process in running:  # all at once: each takes a few seconds to wind down its pool
        process.terminate()  # warm shutdown: tasks in progress finish, nothing is left unacknowledged
    for process in running:
        try:
            process.wait(timeout=WORKER_STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            # Stuck: kill its process group (the pool's children with it); the group is ours, named by its id.
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """When something failed, the worker's side of the story belongs in the output (CI has nothing else)."""
    if exitstatus == 0 or not _started_worker_logs:
        return
    for log_path in dict.fromkeys(_started_worker_logs):
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        terminalreporter.section(f"celery worker log (last 80 lines of {log_path})")
        for line in lines[-80:]:
            terminalreporter.line(line)
