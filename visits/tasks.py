"""Celery tasks: thin, named, taking ids. The rules are in visits.services."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from visits import dashboard_rollups, services


@shared_task(
    bind=True,
    name="visits.assign_move_in",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def assign_move_in(self, move_in_id: int) -> None:
    if services.record_assignment_attempt(move_in_id=move_in_id, task_id=self.request.id or ""):
        services.assign_move_in(move_in_id=move_in_id)


@shared_task(
    name="visits.assign_batch",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=8,
)
def assign_batch(move_in_ids: list[int]) -> int:
    return len(services.assign_batch(move_in_ids=move_in_ids))


@shared_task(name="visits.sweep_unassigned_move_ins", acks_late=True)
def sweep_unassigned_move_ins() -> int:
    return len(services.sweep_unassigned_move_ins())


@shared_task(name="visits.refresh_dashboard_rollups", acks_late=True, autoretry_for=(OperationalError,), max_retries=3)
def refresh_dashboard_rollups() -> int:
    """Count again the days changed since the last refresh, so that the dashboard seldom has to."""
    return dashboard_rollups.refresh().marks


@shared_task(name="visits.rebuild_dashboard_rollups", acks_late=True, autoretry_for=(OperationalError,), max_retries=3)
def rebuild_dashboard_rollups() -> int:
    """Count every day again: whatever went around the triggers (a restored backup, a bulk load)."""
    return dashboard_rollups.rebuild().marks
