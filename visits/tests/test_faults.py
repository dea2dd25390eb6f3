"""What happens to an assignment when things break half-way, with real workers on real PostgreSQL: a pool
process killed in the middle of the task, two deliveries of one move-in at the same instant, and the
database connection cut under a running task. Each time the move-in must end up with exactly one visit.

No test hook in the production code: the test stops a task where it wants it by holding a row lock, or an
uncommitted row, in a transaction of its own, so that the worker waits inside PostgreSQL at a known statement. It
finds the pool process running the task by asking the workers (`celery inspect active`), and checks that
the process is a child of a worker this run started before it sends a signal.
"""

import datetime
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from hemkunskap.celery import app
from languages.models import Language
from tenants.models import Household, MoveIn
from tenants.services import set_household_languages
from visits import tasks
from visits.models import Assignment, Visit, Visitor

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Each wait is for something a healthy machine does in well under a second.
TIMEOUT_SECONDS = 30


# Where the worker's transaction is made to wait: what the test does in a transaction of its own, which
# it keeps open, and the statement in which the worker then waits.
def lock_the_move_in(move_in: MoveIn, amal: Visitor) -> None:
    MoveIn.objects.select_for_update().get(id=move_in.id)


def plan_a_visit_of_its_own(move_in: MoveIn, amal: Visitor) -> None:
    # Uncommitted, so the worker does not see it: it locks the move-in and the team, plans a visit and
    # waits in the INSERT for the one-open-visit-per-move-in index to learn whether this one commits.
    # (Django's foreign keys are checked at COMMIT on PostgreSQL: this row locks neither move-in nor visitor.)
    starts_at = timezone.now().replace(microsecond=0) + datetime.timedelta(days=30)
    Visit.objects.create(move_in=move_in, visitor=amal, starts_at=starts_at, ends_at=starts_at + HOUR)


def lock_the_visits_language(move_in: MoveIn, amal: Visitor) -> None:
    # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED on PostgreSQL: the check of the visit's
    # language (a FOR KEY SHARE of its row) runs at COMMIT, when the worker has written everything.
    Language.objects.select_for_update().get(code="so")


HOUR = datetime.timedelta(hours=1)
BEFORE_IT_READS = pytest.param(lock_the_move_in, '"tenants_movein"', id="waiting-for-the-move-in")
WHILE_IT_WRITES = pytest.param(plan_a_visit_of_its_own, 'INSERT INTO "visits_visit"', id="inserting-the-visit")
# Killed there, the worker never learns the outcome, but PostgreSQL finishes the COMMIT it was sent once the
# lock is released: the redelivered task must find the move-in assigned and plan nothing more.
WHILE_IT_COMMITS = pytest.param(lock_the_visits_language, "COMMIT", id="committing")


WAITING_BEHIND = """
    WITH RECURSIVE waiting (pid, query) AS (
        SELECT pid, query FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))
        UNION
        SELECT a.pid, a.query FROM pg_stat_activity a JOIN waiting w ON w.pid = ANY(pg_blocking_pids(a.pid))
    )
    SELECT pid, query FROM waiting ORDER BY pid
"""


class HeldLocks:
    """Runs `hold` in a transaction of its own (in a thread, so on a connection of its own) and keeps that
    transaction open, its row locks and uncommitted rows with it, until release(); then rolls it back."""

    def __init__(self, hold: Callable[[], object]):
        self._hold = hold
        self._held, self._released = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._error: BaseException | None = None
        self.backend_pid = 0

    def __enter__(self) -> "HeldLocks":
        self._thread.start()
        if not self._held.wait(TIMEOUT_SECONDS):
            raise TimeoutError("the test's own transaction did not start")
        if self._error:
            raise self._error
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def release(self) -> None:
        self._released.set()
        self._thread.join(TIMEOUT_SECONDS)

    def waiting_behind(self) -> list[tuple[int, str]]:
        """(backend pid, statement) of each session waiting for this transaction: for a lock it holds, or
        behind another waiter (the second in line for a row waits for the first)."""
        with connection.cursor() as cursor:  # the test's connection: autocommit, a fresh view each time
            cursor.execute(WAITING_BEHIND, [self.backend_pid])
            return cursor.fetchall()

    def _run(self) -> None:
        try:
            with transaction.atomic():
                self._hold()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    self.backend_pid = cursor.fetchone()[0]
                self._held.set()
                self._released.wait(TIMEOUT_SECONDS * 4)
                transaction.set_rollback(True)
        except BaseException as exc:
            self._error = exc
        finally:
            connection.close()  # this thread's own connection
            self._held.set()


def wait_for_waiters(lock: HeldLocks, workers, count: int) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []

    def waiting() -> bool:
        found[:] = lock.waiting_behind()
        return len(found) >= count

    workers.wait_until(waiting, timeout=TIMEOUT_SECONDS, what=f"{count} worker transaction(s) to wait for the lock")
    assert len(found) == count, found
    return found


def pool_process(workers, task_id: str) -> int:
    """The pid of the pool process running the task, as its worker reports it; checked to be a child of
    one of the workers this run started, so the test never signals a process that is not its own."""
    found: list[int] = []

    def running() -> bool:
        replies = app.control.inspect(destination=workers.nodenames, timeout=1).active() or {}
        found[:] = [
            request["worker_pid"]
            for requests in replies.values()
            for request in requests
            if request["id"] == task_id and request.get("worker_pid")
        ]
        return bool(found)

    workers.wait_until(running, timeout=TIMEOUT_SECONDS, what=f"a worker to report task {task_id} as active")
    [pid] = found
    assert parent_pid(pid) in {worker.process.pid for worker in workers.workers}
    return pid


def parent_pid(pid: int) -> int:
    # /proc/<pid>/stat: "pid (comm) state ppid ...", and comm may hold spaces and parentheses.
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def deliveries(workers, task_id: str, what: str) -> int:
    return workers.log().count(f"Task visits.assign_move_in[{task_id}] {what}")


@pytest.fixture
def move_in(team, apartment) -> MoveIn:
    """A Somali-speaking household's move-in awaiting assignment, saved without sending a task (the way
    register_move_in saves would send one as soon as it commits)."""
    household = Household.objects.create(contact_name="Faadumo Cali", size=4)
    set_household_languages(household=household, codes=["so"])
    return MoveIn.objects.create(
        household=household,
        apartment=apartment,
        move_in_date=timezone.localdate() + datetime.timedelta(days=7),
        contract_number="K-90001",
    )


def assert_planned_once(move_in: MoveIn, hodan) -> None:
    move_in.refresh_from_db()
    assert move_in.assignment_state == MoveIn.AssignmentState.ASSIGNED, move_in.assignment_note
    [visit] = Visit.objects.all()
    assert (visit.move_in, visit.visitor, visit.language_id, visit.status) == (
        move_in,
        hodan,
        "so",
        Visit.Status.PLANNED,
    )
    [assignment] = Assignment.objects.all()
    assert (assignment.move_in, assignment.visit, assignment.kind) == (move_in, visit, Assignment.Kind.AUTOMATIC)


@pytest.mark.parametrize(("hold", "blocked_statement"), [BEFORE_IT_READS, WHILE_IT_WRITES, WHILE_IT_COMMITS])
def test_a_pool_process_killed_in_the_middle_of_an_assignment_is_replaced_by_a_redelivery_that_plans_one_visit(
    celery_workers, move_in, amal, hodan, hold, blocked_statement
):
    with HeldLocks(lambda: hold(move_in, amal)) as lock:
        task_id = tasks.assign_move_in.delay(move_in.id).id
        [(_, statement)] = wait_for_waiters(lock, celery_workers, 1)
        assert blocked_statement in statement.split(" WHERE ")[0], statement  # its first line, not a condition

        pid = pool_process(celery_workers, task_id)
        os.kill(pid, signal.SIGKILL)

        # acks_late + reject_on_worker_lost: the parent gives the message back to the broker, and a pool
        # process takes it again, while the dead one's transaction is still open inside PostgreSQL.
        celery_workers.wait_for_log(f"pid:{pid} exited with 'signal 9 (SIGKILL)'", timeout=TIMEOUT_SECONDS)
        celery_workers.wait_for_log("Task handler raised error: WorkerLostError", timeout=TIMEOUT_SECONDS)
        celery_workers.wait_until(
            lambda: deliveries(celery_workers, task_id, "received") == 2,
            timeout=TIMEOUT_SECONDS,
            what="the task to be delivered again",
        )
        lock.release()

    celery_workers.wait_for_log(f"Task visits.assign_move_in[{task_id}] succeeded", timeout=TIMEOUT_SECONDS)
    assert deliveries(celery_workers, task_id, "succeeded") == 1
    assert_planned_once(move_in, hodan)


def test_two_deliveries_of_one_move_in_at_the_same_instant_in_two_pool_processes_plan_one_visit(
    celery_workers, move_in, amal, hodan
):
    with HeldLocks(lambda: lock_the_move_in(move_in, amal)) as lock:
        # Both wait for the move-in's row: released, they run at the same instant.
        task_ids = [tasks.assign_move_in.delay(move_in.id).id for _ in range(2)]
        wait_for_waiters(lock, celery_workers, 2)
        assert len({pool_process(celery_workers, task_id) for task_id in task_ids}) == 2
        lock.release()

    for task_id in task_ids:
        celery_workers.wait_for_log(f"Task visits.assign_move_in[{task_id}] succeeded", timeout=TIMEOUT_SECONDS)
    assert_planned_once(move_in, hodan)


def test_an_assignment_whose_database_connection_is_cut_is_retried_and_plans_one_visit(
    celery_workers, move_in, amal, hodan
):
    with HeldLocks(lambda: lock_the_move_in(move_in, amal)) as lock:
        task_id = tasks.assign_move_in.delay(move_in.id).id
        [(backend_pid, _)] = wait_for_waiters(lock, celery_workers, 1)
        with connection.cursor() as cursor:
            # As a database failover or an idle-connection reaper would.
            cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
        # The task fails with OperationalError, which it retries (autoretry_for) after a short backoff.
        celery_workers.wait_for_log(f"Task visits.assign_move_in[{task_id}] retry:", timeout=TIMEOUT_SECONDS)
        lock.release()

    celery_workers.wait_for_log(f"Task visits.assign_move_in[{task_id}] succeeded", timeout=TIMEOUT_SECONDS)
    assert_planned_once(move_in, hodan)
