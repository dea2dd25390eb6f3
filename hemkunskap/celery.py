"""The Celery app. Tasks are thin, named, JSON-only, and take ids; the rules live in services."""

import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hemkunskap.settings")

app = Celery("hemkunskap")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _make_filesystem_broker_folders() -> None:
    """The filesystem transport expects its folders to exist."""
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


if str(app.conf.broker_url).startswith("filesystem"):
    _make_filesystem_broker_folders()


@app.task(name="hemkunskap.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Sent by beat every 30 s: proves that beat, the broker and a worker all work (see /healthz)."""
    from hemkunskap.health import record_worker_heartbeat

    record_worker_heartbeat()


@worker_ready.connect
def _heartbeat_when_ready(**kwargs: object) -> None:
    from hemkunskap.health import record_worker_heartbeat

    record_worker_heartbeat()
