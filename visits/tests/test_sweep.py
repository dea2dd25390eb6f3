"""The outbox sweep: move-ins whose assignment request was lost are sent to the worker again, and a broker
that is down never breaks the code that publishes."""

import datetime
import logging
import time

import pytest

from tenants.models import MoveIn
from visits.services import enqueue_assignment, sweep_unassigned_move_ins
from visits.tests.conftest import queued_tasks, stockholm

REGISTERED = stockholm(2025, 5, 26, 8, 0)
MOVE_IN_DATE = datetime.date(2025, 6, 2)


@pytest.fixture
def grace(settings) -> datetime.timedelta:
    settings.ASSIGNMENT_SWEEP_AFTER_SECONDS = 120
    return datetime.timedelta(seconds=120)


def set_state(move_in: MoveIn, state: MoveIn.AssignmentState) -> None:
    MoveIn.objects.filter(id=move_in.id).update(assignment_state=state)


def test_it_resends_only_move_ins_still_awaiting_after_the_grace_period(
    make_move_in, queue_folder, grace, time_machine
):
    time_machine.move_to(REGISTERED, tick=False)
    stale = make_move_in("ar", move_in_date=MOVE_IN_DATE)
    assigned = make_move_in("so", move_in_date=MOVE_IN_DATE)
    set_state(assigned, MoveIn.AssignmentState.ASSIGNED)
    handed_over = make_move_in("ti", move_in_date=MOVE_IN_DATE)
    set_state(handed_over, MoveIn.AssignmentState.NEEDS_COORDINATOR)
    time_machine.move_to(REGISTERED + datetime.timedelta(seconds=100), tick=False)
    recent = make_move_in("ar", move_in_date=MOVE_IN_DATE)

    sweep_time = REGISTERED + grace + datetime.timedelta(seconds=1)
    time_machine.move_to(sweep_time, tick=False)
    swept = sweep_unassigned_move_ins()

    assert swept == [stale.id]
    assert queued_tasks(queue_folder) == [("visits.assign_move_in", f"({stale.id},)")]
    stale.refresh_from_db()
    assert stale.assignment_requested_at == sweep_time
    assert stale.assignment_state == MoveIn.AssignmentState.AWAITING
    recent.refresh_from_db()
    assert recent.assignment_requested_at == REGISTERED + datetime.timedelta(seconds=100)


def test_it_does_not_resend_on_the_next_sweep_minute(make_move_in, queue_folder, grace, time_machine):
    time_machine.move_to(REGISTERED, tick=False)
    lost = make_move_in("ar", move_in_date=MOVE_IN_DATE)
    first_sweep = REGISTERED + grace + datetime.timedelta(seconds=1)
    time_machine.move_to(first_sweep, tick=False)
    assert sweep_unassigned_move_ins() == [lost.id]

    # Beat runs the sweep every minute: the requested time it bumped keeps the move-in out of the next run.
    time_machine.move_to(first_sweep + datetime.timedelta(seconds=60), tick=False)
    assert sweep_unassigned_move_ins() == []
    assert len(queued_tasks(queue_folder)) == 1

    # Still no worker after another grace period: it is sent again, not forgotten.
    time_machine.move_to(first_sweep + grace + datetime.timedelta(seconds=1), tick=False)
    assert sweep_unassigned_move_ins() == [lost.id]
    assert queued_tasks(queue_folder) == [("visits.assign_move_in", f"({lost.id},)")] * 2


def test_it_reports_an_unreachable_broker_instead_of_raising(make_move_in, unreachable_broker, caplog):
    move_in = make_move_in("ar", move_in_date=MOVE_IN_DATE)

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="visits.services"):
        sent = enqueue_assignment(move_in_id=move_in.id)
    elapsed = time.monotonic() - started

    assert sent is False
    # A web request waits for this: it must give up quickly (bounded publish retries, short timeouts).
    assert elapsed < 5
    assert f"move-in {move_in.id} waits for the assignment sweep" in caplog.text
    move_in.refresh_from_db()
    assert move_in.assignment_state == MoveIn.AssignmentState.AWAITING


def test_it_keeps_sweeping_when_the_broker_is_down(make_move_in, unreachable_broker, grace, time_machine):
    time_machine.move_to(REGISTERED, tick=False)
    lost = make_move_in("ar", move_in_date=MOVE_IN_DATE)
    sweep_time = REGISTERED + grace + datetime.timedelta(seconds=1)
    time_machine.move_to(sweep_time, tick=False)

    assert sweep_unassigned_move_ins() == [lost.id]

    lost.refresh_from_db()
    # Still awaiting, so a later sweep tries again once the broker is back.
    assert lost.assignment_state == MoveIn.AssignmentState.AWAITING
    assert lost.assignment_requested_at == sweep_time


def test_a_sweep_stops_publishing_at_the_first_failure_and_leaves_the_rest_waiting(
    make_move_in, unreachable_broker, grace, time_machine, caplog
):
    time_machine.move_to(REGISTERED, tick=False)
    lost = [make_move_in("ar", move_in_date=MOVE_IN_DATE) for _ in range(5)]
    time_machine.move_to(REGISTERED + grace + datetime.timedelta(seconds=1), tick=False)

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="visits.services"):
        swept = sweep_unassigned_move_ins()
    elapsed = time.monotonic() - started

    # One publish attempt, not five: an import of ten saved while Redis is down answers as quickly as one.
    assert swept == [move_in.id for move_in in lost]
    assert caplog.text.count("waits for the assignment sweep") == 1
    assert "4 more move-ins wait for the assignment sweep" in caplog.text
    assert elapsed < 5
    assert set(MoveIn.objects.values_list("assignment_state", flat=True)) == {MoveIn.AssignmentState.AWAITING}
