"""Who did what to a household's data, and who looked at it.

Changes: django-pghistory keeps the history of every insert, update and delete of households, their
languages, move-ins and visits (tenants.models.history, visits.models.Visit) in event tables, written by
PostgreSQL triggers, so a bulk `queryset.update` is recorded as surely as a `save()`. Each event points to
a context: the signed-in user and the URL of the request (HistoryMiddleware below), or the Celery task
that made the change (`task_history_context`).

The triggers exist on PostgreSQL only: pgtrigger skips installing them on other databases, and pghistory's
own context tracking prefixes every write with PostgreSQL's `set_config()`, which SQLite does not have. So
on the embedded SQLite database the event tables exist but stay empty, and the helpers here do nothing.

Looking: `record_access` writes one PersonalDataAccess row each time a page shows staff a household's
personal data (not for lists).
"""

import contextlib
from collections.abc import Iterator
from typing import Any

import pghistory
import pghistory.middleware
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection
from django.http import HttpRequest, HttpResponse

from tenants.models import PersonalDataAccess


def records_history() -> bool:
    """True where the history triggers are installed: PostgreSQL."""
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def history_context(**metadata: Any) -> Iterator[None]:
    """Label the changes made inside with `metadata` (who, which task). Nothing on SQLite."""
    if not records_history():
        yield
        return
    with pghistory.context(**metadata):
        yield


class HistoryMiddleware(pghistory.middleware.HistoryMiddleware):
    """pghistory's middleware (the user and the URL of each request as the history's context), switched
    off on SQLite, where pghistory's context tracking would break every write."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not records_history():
            return self.get_response(request)
        return super().__call__(request)


# --- Celery: which task made a change ----------------------------------------------------------------

_task_contexts: dict[str, contextlib.ExitStack] = {}


def enter_task_context(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """celery's task_prerun: the task's changes are labelled with its name (and id)."""
    if task_id is None or task is None:
        return
    stack = contextlib.ExitStack()
    stack.enter_context(history_context(task=task.name, task_id=task_id))
    _task_contexts[task_id] = stack


def exit_task_context(task_id: str | None = None, **kwargs: Any) -> None:
    """celery's task_postrun (also sent when the task raised)."""
    stack = _task_contexts.pop(task_id or "", None)
    if stack is not None:
        stack.close()


def connect_task_context() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(enter_task_context, dispatch_uid="tenants.audit.enter_task_context")
    task_postrun.connect(exit_task_context, dispatch_uid="tenants.audit.exit_task_context")


# --- Who looked ------------------------------------------------------------------------------------


def record_access(*, user: AbstractBaseUser, household_id: int, what: str, path: str = "") -> None:
    """One row: `user` was shown the personal data of household `household_id` on page `what`. One INSERT."""
    PersonalDataAccess.objects.create(user_id=user.pk, household_id=household_id, what=what, path=path[:300])
