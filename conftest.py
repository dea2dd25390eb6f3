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
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from hemkunskap.env import ConfigurationError, env_bool

BASE_DIR = Path(__file__).resolve().parent
# Gitignored; CI can keep it as an artifact.
ARTIFACTS_DIR = BASE_DIR / "test-artifacts"
WORKER_LOG = ARTIFACTS_DIR / "celery-worker.log"
WORKER_START_TIMEOUT_SECONDS = 60
WORKER_STOP_TIMEOUT_SECONDS = 20
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
        deadline = time.monotonic() + timeout
        while not condition():
            if self.process.poll() is not None:
                pytest.fail(f"The Celery worker exited with {self.process.returncode}; its log:\n{self.log()}")
            if TASK_FAILED in self.log():
                pytest.fail(f"A task failed while waiting for {what}. The worker's log:\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"Gave up after {timeout} s waiting for {what}. The worker's log:\n{self.log()}")
            time.sleep(0.2)

    def wait_for_log(self, text: str, *, timeout: float = 30) -> None:
        """Wait until the worker has logged `text`, e.g. "Task visits.assign_move_in[<id>] succeeded"."""
        self.wait_until(lambda: text in self.log(), timeout=timeout, what=f"the worker to log {text!r}")


def _with_database_name(url: str, name: str) -> str:
    return urlsplit(url)._replace(path=f"/{name}").geturl()


def _empty_the_broker(app) -> None:
    """Forget messages left by earlier runs: queued ones, and ones a killed worker held unacknowledged,
    which Redis would otherwise hand out again once their visibility timeout passes."""
    app.control.purge()
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.client.delete(channel.unacked_key, channel.unacked_index_key)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker) -> Iterator[CeleryWorker]:
    """A real `celery worker` subprocess on the real broker (REDIS_URL), writing to pytest-django's test
    database. Use it with `transactional_db`: the worker sees only committed rows."""
    _skip_or_fail_without_services()

    from django.core.cache import cache
    from django.db import connection

    from hemkunskap.celery import app
    from hemkunskap.health import HEARTBEAT_KEY

    # django_db_setup has switched the connection to the test database (test_<name>).
    test_database = connection.settings_dict["NAME"]
    env = {
        **os.environ,
        "DATABASE_URL": _with_database_name(os.environ["DATABASE_URL"], test_database),
        "DJANGO_SETTINGS_MODULE": "hemkunskap.settings",
        "PYTHONUNBUFFERED": "1",
    }
    _empty_the_broker(app)
    # The worker writes a heartbeat when it is ready; remove an old one so we wait for this worker's.
    cache.delete(HEARTBEAT_KEY)

    # One name per run, so a worker left over from another run cannot answer our ping.
    nodename = f"test-worker-{os.getpid()}@{socket.gethostname()}"
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    with WORKER_LOG.open("w", encoding="utf-8") as log_file:
        process = subprocess.Popen(  # noqa: S603 (a fixed command line: our interpreter, our app)
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "hemkunskap",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--without-mingle",
                "--without-gossip",
                "--loglevel=INFO",
                "-n",
                nodename,
            ],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # Its own process group: the prefork children can be stopped with it, by its id.
            start_new_session=True,
        )
    worker = CeleryWorker(process=process, nodename=nodename, log_path=WORKER_LOG)
    _started_worker_logs.append(WORKER_LOG)
    try:

        def ready() -> bool:
            if cache.get(HEARTBEAT_KEY) is None:
                return False
            replies = app.control.ping(destination=[nodename], timeout=1)
            return any(nodename in reply for reply in replies)

        worker.wait_until(ready, timeout=WORKER_START_TIMEOUT_SECONDS, what="the Celery worker to be ready")
        yield worker
    finally:
        _stop(process)


@pytest.fixture
def celery_worker(celery_worker_process: CeleryWorker) -> CeleryWorker:
    """The session's worker, its log read from where this test begins."""
    celery_worker_process.log_start = celery_worker_process.log_path.stat().st_size
    return celery_worker_process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.terminate()  # warm shutdown: tasks in progress finish, nothing is left unacknowledged
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
    lines = _started_worker_logs[-1].read_text(encoding="utf-8", errors="replace").splitlines()
    terminalreporter.section(f"celery worker log (last 80 lines of {_started_worker_logs[-1]})")
    for line in lines[-80:]:
        terminalreporter.line(line)
