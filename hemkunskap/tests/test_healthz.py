"""/healthz, as a load balancer or an uptime check sees it: JSON, 200 only when the database, the broker and
a worker are all well. Runs on whatever the environment configures: SQLite, the filesystem broker and the
file cache on a bare machine; PostgreSQL and Redis when DATABASE_URL/REDIS_URL are set."""

import time

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache

from hemkunskap.celery import app, heartbeat
from hemkunskap.health import HEARTBEAT_KEY, record_worker_heartbeat

NOBODY_LISTENS = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_heartbeat():
    # Only the heartbeat, never cache.clear(): with Redis the cache shares its database with the broker,
    # and clearing it would flush the queues and bindings a running worker depends on.
    cache.delete(HEARTBEAT_KEY)
    yield
    cache.delete(HEARTBEAT_KEY)


def heartbeat_ago(seconds: float) -> None:
    with time_machine.travel(time.time() - seconds, tick=False):
        record_worker_heartbeat()


def test_it_answers_503_until_a_worker_has_reported(client):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["status"] == "unhealthy"
    assert response.json()["worker"] == {"ok": False, "error": "no heartbeat yet"}
    assert response.json()["database"]["ok"] is True
    assert response.json()["broker"]["ok"] is True


def test_it_answers_200_when_database_broker_and_worker_are_well(client, django_assert_num_queries):
    record_worker_heartbeat()

    # the SELECT 1 that proves the database answers
    with django_assert_num_queries(1):
        response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True}
    assert body["broker"] == {"ok": True, "transport": "redis" if settings.REDIS_URL else "filesystem"}
    assert body["worker"]["ok"] is True
    assert body["worker"]["last_heartbeat_seconds_ago"] < 5
    assert "no-store" in response["Cache-Control"]  # a proxy must never answer for a dead app


def test_it_still_answers_200_for_a_heartbeat_just_inside_the_limit(client):
    heartbeat_ago(settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS - 5)

    response = client.get("/healthz")

    assert response.status_code == 200


def test_it_answers_503_when_the_last_heartbeat_is_too_old(client):
    heartbeat_ago(settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS + 5)

    response = client.get("/healthz")

    assert response.status_code == 503
    worker = response.json()["worker"]
    assert worker["ok"] is False
    assert worker["last_heartbeat_seconds_ago"] >= settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS + 5


def test_it_answers_503_within_seconds_when_the_broker_is_down(client, monkeypatch):
    record_worker_heartbeat()
    # health._broker() opens a fresh connection from app.conf each time, so no pool needs resetting.
    monkeypatch.setattr(app.conf, "broker_url", NOBODY_LISTENS)

    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
    assert response.json()["broker"]["error"]
    assert response.json()["database"]["ok"] is True
    assert response.json()["worker"]["ok"] is True
    assert elapsed < 5, f"/healthz took {elapsed:.1f} s with the broker down"


@pytest.mark.services
def test_it_answers_200_with_a_real_worker_on_redis(client, celery_worker):
    # The heartbeat task goes through Redis to the worker process, which writes the heartbeat to the cache.
    heartbeat.delay()
    celery_worker.wait_until(
        lambda: cache.get(HEARTBEAT_KEY) is not None, timeout=30, what="the worker to record its heartbeat"
    )

    response = client.get("/healthz")

    assert response.status_code == 200, response.json()
    assert response.json()["broker"] == {"ok": True, "transport": "redis"}
    assert response.json()["worker"]["ok"] is True
