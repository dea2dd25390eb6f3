"""Many workers assigning at once, on real PostgreSQL through the real broker: 500 move-ins, each task
delivered three times in a shuffled order (as duplicate sends, sweeps and redeliveries would), to the
session's worker and two more, eight pool processes in all. Whatever order the locks are taken in, the
result must be what one careful coordinator would have planned: one visit per move-in, nobody over their
weekly capacity, nobody in two places at once, and a visitor who speaks the household's language whenever
the team has one.

The team has room for everyone, so every move-in must end up assigned: a move-in sent to the coordinator
here would mean a race made the matcher see a full calendar that was not.

The run's timings go to stdout (`-s`) and to the JUnit report as properties.
"""

import collections
import datetime
import itertools
import random
import re
import time

import pytest
from django.db.models import Count, F
from django.utils import timezone

from hemkunskap.celery import app
from languages.models import Language
from tenants.models import Household, HouseholdLanguage, MoveIn
from visits import tasks
from visits.matching import WORKING_LEVEL
from visits.models import Assignment, Visit, Visitor, VisitorLanguage
from visits.scheduling import STOCKHOLM

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

MOVE_INS = 500
DELIVERIES_PER_MOVE_IN = 3
# A loaded CI machine with two cores needs about a minute; a healthy one a fraction of that.
ASSIGNMENT_TIMEOUT_SECONDS = 120
# After the last move-in is assigned, the duplicates still queued behind it are quick no-ops.
DUPLICATES_TIMEOUT_SECONDS = 30
# Move-in dates spread over four weeks, from a week ahead: every visit window lies in the future.
MOVE_IN_DAYS = 14

MORE_LANGUAGES = {
    "fa": {"name_sv": "persiska", "name_en": "Persian", "name_native": "فارسی", "direction": "rtl"},
    "sv": {"name_sv": "svenska", "name_en": "Swedish", "name_native": "svenska", "direction": "ltr"},
    # Spoken by nobody in this team: those households get a visit with an interpreter.
    "ckb": {"name_sv": "soranî", "name_en": "Central Kurdish", "name_native": "کوردیی ناوەندی", "direction": "rtl"},
}

Level = VisitorLanguage.Level
# username, name, languages, visits a week. Basic command does not count: such a visitor is no speaker.
# Sized so that every visitor's first two weeks of visits fill up (the last free capacity is what the
# workers race for) while each language's speakers still have room for all its households in their
# windows: a visit with an interpreter for a language someone speaks would mean a race, not a full team.
TEAM = [
    ("amal", "Amal Haddad", {"ar": Level.NATIVE, "sv": Level.FLUENT}, 25),
    ("karim", "Karim Nasser", {"ar": Level.NATIVE, "fa": Level.BASIC, "sv": Level.FLUENT}, 25),
    ("hodan", "Hodan Warsame", {"so": Level.NATIVE, "sv": Level.FLUENT}, 25),
    ("abdi", "Abdi Farah", {"so": Level.NATIVE, "ar": Level.WORKING}, 20),
    ("yonas", "Yonas Tesfay", {"ti": Level.NATIVE, "sv": Level.WORKING}, 20),
    ("meron", "Meron Haile", {"ti": Level.FLUENT, "ar": Level.BASIC, "sv": Level.FLUENT}, 15),
    ("shirin", "Shirin Rahimi", {"fa": Level.NATIVE, "prs": Level.FLUENT, "sv": Level.FLUENT}, 25),
    ("ahmad", "Ahmad Karimi", {"prs": Level.NATIVE, "fa": Level.NATIVE}, 20),
    ("eva", "Eva Lindqvist", {"sv": Level.NATIVE}, 8),
    ("lars", "Lars Berg", {"sv": Level.NATIVE}, 4),
]
# The households' languages, most preferred first, and how many households in a hundred speak them.
HOUSEHOLD_LANGUAGES = [
    (("ar",), 15),
    (("ar", "sv"), 12),
    (("so", "sv"), 12),
    (("so", "ar"), 6),
    (("ti",), 6),
    (("ti", "ar"), 4),
    (("fa",), 8),
    (("prs", "fa"), 6),
    (("sv",), 15),
    (("ckb",), 4),
    (("ckb", "sv"), 4),
    (("prs",), 8),
]
TASK_SUCCEEDED = re.compile(r"Task visits\.assign_move_in\[([0-9a-f-]+)\] succeeded")


@pytest.fixture
def languages(languages) -> dict[str, Language]:
    for code, names in MORE_LANGUAGES.items():
        languages[code] = Language.objects.get_or_create(code=code, defaults=names)[0]
    return languages


@pytest.fixture
def team(make_visitor) -> list[Visitor]:
    return [make_visitor(username, name, speaks, weekly_capacity=capacity) for username, name, speaks, capacity in TEAM]


@pytest.fixture
def move_in_ids(apartment, languages) -> list[int]:
    """MOVE_INS move-ins awaiting assignment, saved in bulk: no task is sent for them yet."""
    rng = random.Random(500)  # the same households every run
    choices = rng.choices(
        [codes for codes, _ in HOUSEHOLD_LANGUAGES], weights=[weight for _, weight in HOUSEHOLD_LANGUAGES], k=MOVE_INS
    )
    households = Household.objects.bulk_create(Household(contact_name=f"Hushåll {n}") for n in range(MOVE_INS))
    HouseholdLanguage.objects.bulk_create(
        HouseholdLanguage(household=household, language_id=code, rank=rank)
        for household, codes in zip(households, choices, strict=True)
        for rank, code in enumerate(codes, start=1)
    )
    first_move_in = timezone.localdate() + datetime.timedelta(days=7)
    move_ins = MoveIn.objects.bulk_create(
        MoveIn(
            household=household,
            apartment=apartment,
            move_in_date=first_move_in + datetime.timedelta(days=n % MOVE_IN_DAYS),
            contract_number=f"K-{n:05d}",
        )
        for n, household in enumerate(households)
    )
    assert MoveIn.objects.filter(assignment_state=MoveIn.AssignmentState.AWAITING).count() == MOVE_INS
    return [move_in.id for move_in in move_ins]


def test_five_hundred_move_ins_each_delivered_three_times_to_several_workers_get_one_fitting_visit_each(
    celery_workers, team, move_in_ids, record_property
):
    deliveries = move_in_ids * DELIVERIES_PER_MOVE_IN
    random.Random(3).shuffle(deliveries)

    started = time.monotonic()
    with app.producer_or_acquire() as producer:  # one connection for 1500 messages, not a pool round-trip each
        task_ids = {tasks.assign_move_in.apply_async((move_in_id,), producer=producer).id for move_in_id in deliveries}
    published = time.monotonic()

    awaiting = MoveIn.objects.filter(assignment_state=MoveIn.AssignmentState.AWAITING)
    celery_workers.wait_until(
        lambda: not awaiting.exists(), timeout=ASSIGNMENT_TIMEOUT_SECONDS, what="every move-in to leave 'awaiting'"
    )
    assigned = time.monotonic()

    def succeeded_per_worker() -> dict[str, set[str]]:
        return {worker.nodename: set(TASK_SUCCEEDED.findall(worker.log())) for worker in celery_workers.workers}

    celery_workers.wait_until(
        lambda: set().union(*succeeded_per_worker().values()) >= task_ids,
        timeout=DUPLICATES_TIMEOUT_SECONDS,
        what=f"all {len(task_ids)} deliveries to have run",
    )
    finished = time.monotonic()
    timings = {
        "publish_seconds": round(published - started, 2),
        "assign_seconds": round(assigned - started, 2),
        "all_deliveries_seconds": round(finished - started, 2),
        "assignments_per_second": round(MOVE_INS / (assigned - started), 1),
        "deliveries_per_second": round(len(deliveries) / (finished - started), 1),
    }
    for name, value in timings.items():
        record_property(name, value)  # in the JUnit report CI keeps
    print(f"{MOVE_INS} move-ins, {len(deliveries)} deliveries on {len(celery_workers.workers)} workers: {timings}")

    # Every worker took part, and none of them retried (a deadlock or a serialisation failure is an
    # OperationalError, which the task retries), lost a pool process or hit a constraint.
    assert all(succeeded_per_worker().values()), {name: len(ids) for name, ids in succeeded_per_worker().items()}
    trouble = ("deadlock", "retry:", "Error", "Traceback")
    assert [line for line in celery_workers.log().splitlines() if any(word in line for word in trouble)] == []

    # Every move-in assigned, none sent to the coordinator; exactly one open visit and one decision each.
    states = collections.Counter(MoveIn.objects.values_list("assignment_state", flat=True))
    assert states == {MoveIn.AssignmentState.ASSIGNED: MOVE_INS}, list(
        MoveIn.objects.exclude(assignment_state=MoveIn.AssignmentState.ASSIGNED).values_list(
            "contract_number", "assignment_note"
        )[:5]
    )
    visits = list(
        Visit.objects.filter(status__in=Visit.OPEN_STATUSES).select_related("move_in", "visitor").order_by("starts_at")
    )
    assert len(visits) == Visit.objects.count() == MOVE_INS
    assert sorted(visit.move_in_id for visit in visits) == sorted(move_in_ids)
    assert list(Assignment.objects.values_list("kind").annotate(n=Count("id"))) == [
        (Assignment.Kind.AUTOMATIC, MOVE_INS)
    ]
    assert Assignment.objects.filter(visit__move_in_id=F("move_in_id")).count() == MOVE_INS

    assert capacity_breaches(visits) == []
    assert overlaps(visits) == []
    assert outside_the_rules(visits) == []
    assert language_mismatches(visits) == []


def capacity_breaches(visits: list[Visit]) -> list[str]:
    """Visitors with more visits in one ISO week (Monday to Sunday in Stockholm) than their capacity."""
    per_week = collections.Counter(
        (visit.visitor, visit.starts_at.astimezone(STOCKHOLM).isocalendar()[:2]) for visit in visits
    )
    return [
        f"{visitor}: {n} visits in week {year}-W{week:02d}, capacity {visitor.weekly_capacity}"
        for (visitor, (year, week)), n in per_week.items()
        if n > visitor.weekly_capacity
    ]


def overlaps(visits: list[Visit]) -> list[str]:
    """Two visits of one visitor at overlapping times (the exclusion constraint should make it impossible)."""
    by_visitor: dict[int, list[Visit]] = collections.defaultdict(list)
    for visit in visits:  # in order of start
        by_visitor[visit.visitor_id].append(visit)
    return [
        f"{earlier.visitor}: {earlier.starts_at:%Y-%m-%d %H:%M}-{earlier.ends_at:%H:%M} and {later.starts_at:%H:%M}"
        for planned in by_visitor.values()
        for earlier, later in itertools.pairwise(planned)
        if later.starts_at < earlier.ends_at
    ]


def outside_the_rules(visits: list[Visit]) -> list[str]:
    """Visits outside the move-in's window or the visitor's working days and hours."""
    wrong = []
    for visit in visits:
        first, last = visit.move_in.visit_window
        starts, ends = visit.starts_at.astimezone(STOCKHOLM), visit.ends_at.astimezone(STOCKHOLM)
        if not (
            first <= starts.date() <= last
            and starts.weekday() in visit.visitor.working_days
            and visit.visitor.work_starts <= starts.time()
            and ends.date() == starts.date()
            and ends.time() <= visit.visitor.work_ends
        ):
            wrong.append(f"{visit.move_in}: {starts:%Y-%m-%d %H:%M}-{ends:%H:%M}, window {first}-{last}")
    return wrong


def language_mismatches(visits: list[Visit]) -> list[str]:
    """Visits not carried in one of the household's languages by a visitor who speaks it at working level
    or better, and visits with an interpreter although someone in the team speaks one of its languages."""
    levels = {(skill.visitor_id, skill.language_id): skill.level for skill in VisitorLanguage.objects.all()}
    team_speaks = {code for (_, code), level in levels.items() if level >= WORKING_LEVEL}
    household_languages: dict[int, list[str]] = collections.defaultdict(list)
    for household_id, code in HouseholdLanguage.objects.order_by("rank").values_list("household_id", "language_id"):
        household_languages[household_id].append(code)

    wrong = []
    for visit in visits:
        codes = household_languages[visit.move_in.household_id]
        if visit.interpreter_needed:
            spoken = team_speaks.intersection(codes)
            if spoken or visit.interpreter_language_id not in codes:
                wrong.append(f"{visit.move_in} ({codes}): an interpreter for {visit.interpreter_language_id}")
        elif visit.language_id not in codes or levels.get((visit.visitor_id, visit.language_id), 0) < WORKING_LEVEL:
            wrong.append(f"{visit.move_in} ({codes}): {visit.visitor} in {visit.language_id}")
    return wrong
