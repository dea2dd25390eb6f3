"""Celery tasks: thin, named, taking ids. The rules are in tenants.retention."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from tenants import retention


@shared_task(
    name="tenants.anonymise_expired",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
    # The first run after a long backlog may have thousands of households; each batch commits on its own,
    # so a run that is stopped leaves the rest for the next.
    soft_time_limit=1500,
    time_limit=1800,
)
def anonymise_expired() -> int:
    return retention.anonymise_expired()
