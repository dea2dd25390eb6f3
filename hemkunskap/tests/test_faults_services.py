"""Issue 7's faults, against the real services: Redis stopped while move-ins arrive, two dispatcher
processes at once, PostgreSQL restarted under gunicorn and a worker. (A pool process killed in the middle of
an assignment, two deliveries at once and a cut connection: visits/tests/test_faults.py.)

Nothing here stops or restarts the machine's shared servers. Each test brings its own redis-server, on a
port of its own, which it may kill and start again; PostgreSQL "restarts" behind a TCP proxy of the test's
own (hemkunskap/tests/servers.py) that cuts every connection and refuses new ones for a while. The workers
and gunicorn are real processes started here, writing to pytest-django's test database; the test process
switches its own broker and cache to the test's Redis, as the app's processes have it in REDIS_URL.

Each test records what it measured in test-artifacts/fault-figures.json (docs/reliability.md).
"""

import contextlib
import datetime
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone

from conftest import CeleryWorker, CeleryWorkers  # the root conftest's workers: their logs, their waits
from hemkunskap.tests.api_helpers import staff, token_header
from hemkunskap.tests.servers import RedisServer, TcpProxy, free_port, start_gunicorn, stop_process
from hemkunskap.worker_process import spawn_worker
from languages.models import Language
from messaging import services as messaging
from messaging.models import Channel, Kind, Message, MessageTemplate
from messaging.seed_texts import create_missing_texts
from messaging.tasks import dispatch_due
from tenants.models import Household, MoveIn
from tenants.services import set_household_languages
from visits import tasks
from visits.models import Visit
from visits.tests.conftest import broker
from visits.tests.test_faults import HeldLocks, wait_for_waiters

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ARTIFACTS_DIR = Path(os.environ.get("TEST_ARTIFACTS_DIR") or django_settings.BASE_DIR / "test-artifacts")
FIGURES = ARTIFACTS_DIR / "fault-figures.json"
# Each wait is for something a healthy machine does in a few seconds.
TIMEOUT_SECONDS = 60
# A request that publishes while Redis is down must still answer within this (publishing is bounded:
# CELERY_TASK_PUBLISH_RETRY_POLICY and the transport's socket timeouts in settings.py).
ANSWER_WITHIN_SECONDS = 3
# The smallest ASSIGNMENT_SWEEP_AFTER_SECONDS takes: the workers here re-send a move-in after this long.
SWEEP_AFTER_SECONDS = 10
# Beat sends the sweep every 60 s; the tests send it this often, as a beat with a shorter schedule would.
SWEEP_EVERY_SECONDS = 2


# --- Helpers ---------------------------------------------------------------------------------------------


def record_figures(**figures: object) -> None:
    """Add what this run measured to FIGURES (kept by CI with the other artifacts)."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    recorded = json.loads(FIGURES.read_text()) if FIGURES.exists() else {}
    recorded.update(figures, recorded_at=timezone.now().isoformat(timespec="seconds"))
    FIGURES.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")


def database_url(*, port: int | None = None) -> str:
    """DATABASE_URL of pytest-django's test database (test_<name>), on `port` of 127.0.0.1 if given (the proxy)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    netloc = parts.netloc
    if port is not None:
        credentials = parts.netloc.rpartition("@")[0]
        netloc = f"{credentials}@127.0.0.1:{port}" if credentials else f"127.0.0.1:{port}"
    return parts._replace(netloc=netloc, path=f"/{connection.settings_dict['NAME']}").geturl()


def start_workers(name: str, envs: list[Mapping[str, str]], *, concurrency: int) -> CeleryWorkers:
    """One `celery worker` per environment, started side by side; returns once each consumes its queue."""
    workers = []
    for n, env in enumerate(envs, start=1):
        nodename = f"faults-{name}{n}-{os.getpid()}@{socket.gethostname()}"
        log_path = ARTIFACTS_DIR / f"celery-worker-faults-{name}{n}.log"
        process = spawn_worker(nodename=nodename, log_path=log_path, env=env, concurrency=concurrency)
        workers.append(CeleryWorker(process=process, nodename=nodename, log_path=log_path))
    started = CeleryWorkers(workers)
    try:
        started.wait_until(
            lambda: all(f"{worker.nodename} ready." in worker.log() for worker in workers),
            timeout=TIMEOUT_SECONDS,
            what=f"the {name} workers to start",
        )
    except BaseException:
        stop_workers(started)
        raise
    return started


def stop_workers(workers: CeleryWorkers) -> None:
    for worker in workers.workers:
        stop_process(worker.process)


def worker_env(**overrides: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "hemkunskap.settings",
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer(log_path=ARTIFACTS_DIR / "faults-redis-server.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def on_redis(settings, url: str) -> Iterator[None]:
    """This process's broker and cache on `url`, as REDIS_URL puts the app's processes on one Redis."""
    settings.CELERY_BROKER_URL = url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": url}}
    with broker(url, settings.CELERY_BROKER_TRANSPORT_OPTIONS):
        yield


def timed(call: Callable[[], object]) -> tuple[object, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def publish_as_beat(task) -> None:
    """Send a periodic task as beat does: if the broker is not there yet, beat logs it and tries next time."""
    with contextlib.suppress(Exception):  # the broker's many failure types
        task.apply_async()


# --- Redis stopped while move-ins arrive -----------------------------------------------------------------

LANGUAGES = ["so", "ar", "ti"]


def move_in_body(n: int) -> dict[str, object]:
    return {
        "contract_number": f"K-REDIS-{n:03d}",
        "move_in_date": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        "street_address": "Lindövägen 12",
        "postal_code": "602 23",
        "district": "Hageby",
        "apartment_number": f"{1200 + n}",
        "contact_name": f"Hushåll {n}",
        "household_size": 2,
        "languages": [LANGUAGES[n % 3]],
    }


def post_move_in(client: Client, headers: dict[str, str], n: int):
    return client.post("/api/v1/move-ins/", json.dumps(move_in_body(n)), content_type="application/json", **headers)


def import_move_ins(client: Client, headers: dict[str, str], numbers: range):
    lines = ["Kontraktsnummer;Inflyttningsdatum;Gatuadress;Postnummer;Område;Lgh nr;Kontaktperson;Språk"]
    for n in numbers:
        body = move_in_body(n)
        lines.append(
            f"{body['contract_number']};{body['move_in_date']};Lindövägen 12;602 23;Hageby;{1200 + n};"
            f"Hushåll {n};{LANGUAGES[n % 3]}"
        )
    upload = SimpleUploadedFile("inflyttningar.csv", ("\n".join(lines) + "\n").encode(), content_type="text/csv")
    return client.post("/api/v1/move-ins/import/", {"file": upload}, **headers)


def assigned(contract_numbers: list[str]) -> bool:
    return MoveIn.objects.filter(
        contract_number__in=contract_numbers, assignment_state=MoveIn.AssignmentState.ASSIGNED
    ).count() == len(contract_numbers)


def test_move_ins_that_arrive_while_redis_is_down_are_saved_at_once_and_assigned_once_it_is_back(
    client, redis_server, settings, team, apartment
):
    headers = token_header(staff("fastighetssystemet", "coordinator"))
    with on_redis(settings, redis_server.url()):
        env = worker_env(REDIS_URL=redis_server.url(), ASSIGNMENT_SWEEP_AFTER_SECONDS=str(SWEEP_AFTER_SECONDS))
        workers = start_workers("redis", [env], concurrency=2)
        try:
            # Redis up: straight to the worker.
            before = [post_move_in(client, headers, n) for n in range(2)]
            assert [response.status_code for response in before] == [201, 201]
            workers.wait_until(
                lambda: assigned(["K-REDIS-000", "K-REDIS-001"]), timeout=TIMEOUT_SECONDS, what="the first two"
            )

            redis_server.stop()  # SIGKILL, as a crash: the queue goes with it (no persistence)
            posted = [timed(lambda n=n: post_move_in(client, headers, n)) for n in range(2, 6)]
            # Ten rows: the most an import sends one by one (visits.services.SWEEP_ONE_BY_ONE_UP_TO).
            imported, import_seconds = timed(lambda: import_move_ins(client, headers, range(6, 16)))
            health, health_seconds = timed(lambda: client.get("/healthz"))

            # Every request answered, quickly, and every move-in is saved, waiting for the worker.
            assert [response.status_code for response, _ in posted] == [201] * 4
            assert imported.status_code == 200, imported.content
            assert (imported.json()["saved"], imported.json()["counts"]["new"]) == (True, 10)
            latencies = [seconds for _, seconds in posted] + [import_seconds]
            assert max(latencies) < ANSWER_WITHIN_SECONDS, latencies
            assert health.status_code == 503
            assert health.json()["broker"]["ok"] is False
            assert health_seconds < ANSWER_WITHIN_SECONDS
            during = [f"K-REDIS-{n:03d}" for n in range(2, 16)]
            assert set(
                MoveIn.objects.filter(contract_number__in=during).values_list("assignment_state", flat=True)
            ) == {MoveIn.AssignmentState.AWAITING}
            assert MoveIn.objects.count() == 16

            redis_server.start()  # the same port, empty
            restarted = time.monotonic()
            again, again_seconds = timed(lambda: post_move_in(client, headers, 16))
            assert again.status_code == 201

            # The sweep re-sends what waits; the worker has found its way back to Redis by itself.
            last_sweep = [0.0]

            def all_assigned() -> bool:
                if time.monotonic() - last_sweep[0] >= SWEEP_EVERY_SECONDS:
                    publish_as_beat(tasks.sweep_unassigned_move_ins)
                    last_sweep[0] = time.monotonic()
                return assigned([f"K-REDIS-{n:03d}" for n in range(17)])

            workers.wait_until(all_assigned, timeout=TIMEOUT_SECONDS, what="every move-in to be assigned")
            recovered_seconds = time.monotonic() - restarted
        finally:
            stop_workers(workers)

    # Each planned once: the sweep and the first send never both planned one.
    assert sorted(Visit.objects.values_list("move_in__contract_number", flat=True)) == [
        f"K-REDIS-{n:03d}" for n in range(17)
    ]
    record_figures(
        redis_outage_request_seconds_max=round(max(latencies), 3),
        redis_outage_requests_seconds=[round(seconds, 3) for seconds in latencies],
        redis_outage_healthz_seconds=round(health_seconds, 3),
        redis_back_first_request_seconds=round(again_seconds, 3),
        redis_back_all_assigned_seconds=round(recovered_seconds, 1),
        redis_sweep_after_seconds=SWEEP_AFTER_SECONDS,
    )


# --- Two dispatchers at once -----------------------------------------------------------------------------

MESSAGES = 12


def test_two_dispatcher_processes_at_the_same_instant_send_each_message_once(
    redis_server, settings, tmp_path, make_visitor, apartment
):
    create_missing_texts(MessageTemplate, Language)  # transactional tests start with empty tables
    visitor = make_visitor("amal", "Amal Haddad", {"ar": 4})
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=10)
    for n in range(MESSAGES):
        household = Household.objects.create(contact_name=f"Hushåll {n}", phone=f"+467017406{10 + n}", size=2)
        set_household_languages(household=household, codes=["ar"])
        move_in = MoveIn.objects.create(
            household=household,
            apartment=apartment,
            move_in_date=start.date() - datetime.timedelta(days=5),
            contract_number=f"K-SMS-{n:03d}",
            assignment_state=MoveIn.AssignmentState.ASSIGNED,
        )
        starts_at = start + datetime.timedelta(hours=n)
        visit = Visit.objects.create(
            move_in=move_in, visitor=visitor, starts_at=starts_at, ends_at=starts_at + datetime.timedelta(hours=1)
        )
        messaging.visit_planned(visit=visit)
    # Due now, one a second apart (so "first" is well defined); whatever else was planned, later.
    invitations = list(Message.objects.filter(kind=Kind.INVITATION, channel=Channel.SMS).order_by("id"))
    assert len(invitations) == MESSAGES
    now = timezone.now()
    for n, message in enumerate(invitations):
        Message.objects.filter(id=message.id).update(scheduled_for=now - datetime.timedelta(seconds=MESSAGES - n))
    Message.objects.exclude(kind=Kind.INVITATION).update(scheduled_for=now + datetime.timedelta(days=30))
    first = invitations[0]

    sms_folder = tmp_path / "sms"
    env = worker_env(
        REDIS_URL=redis_server.url(),
        SMS_BACKEND="file",
        SMS_FILE_PATH=str(sms_folder),
        DJANGO_SETTINGS_MODULE="hemkunskap.tests.worker_settings",  # no quiet hours: see that module
    )
    with on_redis(settings, redis_server.url()):
        # Two processes with a pool of one each: each takes one of the two tasks.
        workers = start_workers("dispatch", [env, env], concurrency=1)
        try:
            # Both read what is due, then wait for the first row; released, they race through the same list.
            with HeldLocks(lambda: Message.objects.select_for_update().get(id=first.id)) as lock:
                task_ids = [dispatch_due.delay().id for _ in range(2)]
                wait_for_waiters(lock, workers, 2)
                active = app_active(workers)
                assert {active[task_id] for task_id in task_ids} == set(workers.nodenames)
                lock.release()
            for task_id in task_ids:
                workers.wait_for_log(f"Task messaging.dispatch_due[{task_id}] succeeded", timeout=TIMEOUT_SECONDS)
        finally:
            stop_workers(workers)

    sent = [json.loads(path.read_text()) for path in sorted(sms_folder.glob("*.json"))]
    assert sorted(sms["to"] for sms in sent) == sorted(message.recipient for message in invitations)
    invitations_now = Message.objects.filter(kind=Kind.INVITATION).order_by()
    assert list(invitations_now.values_list("status", "attempts").distinct()) == [(Message.Status.SENT, 1)]
    by_worker = [
        int(line.rsplit(":", 1)[1])
        for worker in workers.workers
        for line in worker.log().splitlines()
        if "Task messaging.dispatch_due[" in line and "succeeded" in line
    ]
    assert sum(by_worker) == MESSAGES
    record_figures(dispatchers_messages=MESSAGES, dispatchers_sent_by_each=by_worker, dispatchers_sms_files=len(sent))


def app_active(workers: CeleryWorkers) -> dict[str, str]:
    """task id -> the node running it, as the workers report it."""
    from hemkunskap.celery import app

    replies = app.control.inspect(destination=workers.nodenames, timeout=2).active() or {}
    return {request["id"]: node for node, running in replies.items() for request in running}


# --- PostgreSQL restarted --------------------------------------------------------------------------------

DOWN_SECONDS = 5


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """VAR_DIR for gunicorn with DEBUG off, static files collected as `make serve` does (the pages need the
    manifest). The admin's and the API docs' files are left out: no page here uses them, and they are most
    of the time."""
    var_dir = tmp_path_factory.mktemp("gunicorn-var")
    subprocess.run(  # noqa: S603 (a fixed command line)
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0", *IGNORED_STATIC],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, **PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(48), "VAR_DIR": str(var_dir)},
        check=True,
    )
    return var_dir


IGNORED_STATIC = ["--ignore", "admin", "--ignore", "drf_spectacular_sidecar", "--ignore", "rest_framework"]
PRODUCTION = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "0",
    "SMS_BACKEND": "file",
    "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
}


def test_while_postgresql_restarts_the_web_answers_503_and_web_and_worker_recover_by_themselves(
    redis_server, settings, collected_static, amal, hodan, make_move_in
):
    # The test signs the visitor in; gunicorn must take the session, so both use one key.
    settings.SECRET_KEY = secrets.token_urlsafe(48)
    browser = Client()
    browser.force_login(amal.user)
    cookie = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"}
    api = {"Authorization": token_header(staff("fastighetssystemet", "coordinator"))["HTTP_AUTHORIZATION"]}
    db = connection.settings_dict
    port = free_port()

    def get(path: str, headers: dict[str, str]) -> requests.Response:
        return requests.get(f"http://127.0.0.1:{port}{path}", headers=headers, timeout=10, allow_redirects=False)

    with TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)) as proxy, on_redis(settings, redis_server.url()):
        env = worker_env(
            **PRODUCTION,
            SECRET_KEY=settings.SECRET_KEY,
            VAR_DIR=str(collected_static),
            DATABASE_URL=database_url(port=proxy.port),
            REDIS_URL=redis_server.url(),
        )
        workers = start_workers("postgresql", [env], concurrency=2)
        web = start_gunicorn(port=port, env=env, log_path=ARTIFACTS_DIR / "faults-gunicorn.log", workers=2)
        try:
            assert get("/visits/today/", cookie).status_code == 200
            assert get("/api/v1/move-ins/", api).status_code == 200
            assert get("/healthz", {}).status_code == 200

            proxy.down()
            went_down = time.monotonic()
            (page, page_seconds), (listing, api_seconds), (health, health_seconds) = [
                timed(lambda path=path, headers=headers: get(path, headers))
                for path, headers in (("/visits/today/", cookie), ("/api/v1/move-ins/", api), ("/healthz", {}))
            ]
            # A move-in registered meanwhile (this process reaches PostgreSQL directly): the worker's
            # task fails to connect and is retried with backoff (autoretry_for OperationalError).
            move_in = make_move_in("so", move_in_date=timezone.localdate() + datetime.timedelta(days=7))
            workers.wait_for_log("retry: Retry in", timeout=TIMEOUT_SECONDS)
            time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - went_down)))
            proxy.up()
            came_back = time.monotonic()

            recovered = []

            def page_answers() -> bool:
                recovered[:] = [get("/visits/today/", cookie)]
                return recovered[0].status_code == 200

            workers.wait_until(page_answers, timeout=TIMEOUT_SECONDS, what="the page to answer 200 again")
            web_recovered_seconds = time.monotonic() - came_back
            assert get("/api/v1/move-ins/", api).status_code == 200
            assert get("/healthz", {}).status_code == 200
            workers.wait_until(
                lambda: MoveIn.objects.get(id=move_in.id).assignment_state == MoveIn.AssignmentState.ASSIGNED,
                timeout=TIMEOUT_SECONDS,
                what="the worker to assign the move-in registered during the outage",
            )
            worker_recovered_seconds = time.monotonic() - came_back
            # Neither was restarted: the same processes, still running.
            assert web.poll() is None
            assert workers.workers[0].process.poll() is None
        finally:
            stop_process(web)
            stop_workers(workers)

    # While it was down: 503, short, in Swedish (the default; the session with the user's choice is in the
    # database), with Retry-After, never a traceback.
    assert (page.status_code, page.headers["Content-Type"], page.headers["Retry-After"]) == (
        503,
        "text/html; charset=utf-8",
        "30",
    )
    assert "Hemkunskap är inte tillgänglig just nu" in page.text
    assert (listing.status_code, listing.json()) == (
        503,
        {"detail": "Tjänsten är tillfälligt otillgänglig. Försök igen om en minut."},
    )
    assert listing.headers["Retry-After"] == "30"
    assert health.status_code == 503
    assert health.json()["database"] == {"ok": False, "error": "OperationalError"}
    for response in (page, listing, health):
        assert "Traceback" not in response.text
        assert len(response.content) < 5000
    assert max(page_seconds, api_seconds, health_seconds) < ANSWER_WITHIN_SECONDS
    assert Visit.objects.filter(move_in=move_in).count() == 1
    record_figures(
        postgresql_down_seconds=DOWN_SECONDS,
        postgresql_down_page_503_seconds=round(page_seconds, 3),
        postgresql_down_api_503_seconds=round(api_seconds, 3),
        postgresql_down_healthz_503_seconds=round(health_seconds, 3),
        postgresql_back_web_200_after_seconds=round(web_recovered_seconds, 2),
        postgresql_back_worker_assigned_after_seconds=round(worker_recovered_seconds, 1),
        postgresql_connections_through_proxy=proxy.accepted,
    )
