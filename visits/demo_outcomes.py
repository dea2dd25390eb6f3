"""Made-up outcomes for the demo move-ins, so that the impact dashboard (visits.impact) has something to show
and its statistics are exercised. Called by `manage.py seed_demo` after visits.demo has written the
move-ins and their visits.

DEMO DATA. Nothing here is measured: the effect is put in by hand, at a plausible size, with noise around
it. Every record hangs on a demo move-in (contract number "DEMO-…") and the disturbance cases carry case
numbers "DEMO-S-…", so they can be told from real ones at a glance.

Each past move-in is classed as the dashboard classes it (its first completed visit in time, late, or not
at all), and then:

- justified disturbance cases arrive at random (a Poisson process) at about 8 a year per 100 households
  visited in time, 11 when visited late, 14 when not visited, each household's own rate varying around
  its class's (some households are noisier than others); unjustified complaints come on top, alike for all;
- about 12 % of households move out each year; at the move-out inspection, damage beyond normal wear is
  found in about 22 % (in time), 30 % (late) and 38 % (not visited) of apartments, at a few thousand
  kronor, a little less after a visit in time;
- about 40 % answer the tenant survey, two months to a year after moving in; the overall score (1–10) is
  about 7.7 after a visit in time, 7.4 late, 7.2 not visited, with a spread of about 1.7.

Everything is drawn from one seeded random.Random, in contract-number order: a given seed and data give
the same outcomes.
"""

import datetime
import math
import random
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from tenants.models import DisturbanceCase, MoveIn, MoveOutInspection, SurveyAnswer
from visits.demo import CONTRACT_PREFIX
from visits.impact import IN_TIME, LATE, NOT_VISITED, WINDOW_OPEN
from visits.models import Visit
from visits.scheduling import STOCKHOLM

CASE_PREFIX = f"{CONTRACT_PREFIX}S-"
YEAR = 365.0


@dataclass(frozen=True)
class Effect:
    """What the demo pretends each class of household does."""

    justified_cases_a_year: float  # per household
    damage_chance: float  # at move-out
    damage_median_kr: float
    satisfaction: float  # mean overall score


EFFECTS = {
    IN_TIME: Effect(0.08, 0.22, 4500, 7.7),
    LATE: Effect(0.11, 0.30, 5500, 7.4),
    NOT_VISITED: Effect(0.14, 0.38, 6500, 7.2),
    # Not yet visited, window still open: left out of the comparison; the middle of the road.
    WINDOW_OPEN: Effect(0.11, 0.30, 5500, 7.4),
}
UNJUSTIFIED_CASES_A_YEAR = 0.05
MOVE_OUTS_A_YEAR = 0.12
SURVEY_SHARE = 0.40
SATISFACTION_SPREAD = 1.7
# A household's own rate is its class's times a gamma-distributed factor of mean 1 (shape 2: a few
# households cause many of the cases, as in real life).
HOUSEHOLD_RATE_SHAPE = 2.0
CATEGORIES = {
    DisturbanceCase.Category.NOISE: 50,
    DisturbanceCase.Category.SHARED_AREAS: 20,
    DisturbanceCase.Category.WASTE: 20,
    DisturbanceCase.Category.OTHER: 10,
}


@dataclass
class OutcomeSummary:
    households: Counter[str] = field(default_factory=Counter)  # past demo move-ins by class
    cases: int = 0
    justified: int = 0
    move_outs: int = 0
    surveys: int = 0

    def __str__(self) -> str:
        return (
            f"Demo outcomes: {self.cases} disturbance cases ({self.justified} justified), {self.move_outs} "
            f"move-out inspections, {self.surveys} survey answers for "
            + ", ".join(f"{n} {name}" for name, n in sorted(self.households.items()))
            + " households"
        )


def seed(*, rng: random.Random, today: datetime.date | None = None) -> OutcomeSummary:
    """Write outcomes for every demo move-in that has one by `today`. The caller holds the transaction; the
    demo move-ins and visits are already written, and no outcome of theirs yet."""
    today = today or timezone.localdate()
    move_ins = list(
        MoveIn.objects.filter(contract_number__startswith=CONTRACT_PREFIX, move_in_date__lt=today).order_by(
            "contract_number"
        )
    )
    first_visit_days = _first_visit_days([move_in.id for move_in in move_ins])
    summary = OutcomeSummary()
    cases: list[DisturbanceCase] = []
    inspections: list[MoveOutInspection] = []
    answers: list[SurveyAnswer] = []
    moved_out: list[MoveIn] = []
    for move_in in move_ins:
        visit_class = _class(move_in.move_in_date, first_visit_days.get(move_in.id), today)
        effect = EFFECTS[visit_class]
        summary.households[visit_class] += 1

        age = (today - move_in.move_in_date).days
        move_out = _move_out_day(rng, move_in.move_in_date, age)
        until = (move_out - move_in.move_in_date).days if move_out else age
        factor = rng.gammavariate(HOUSEHOLD_RATE_SHAPE, 1 / HOUSEHOLD_RATE_SHAPE)
        for justified, rate in ((True, effect.justified_cases_a_year * factor), (False, UNJUSTIFIED_CASES_A_YEAR)):
            for day in _arrivals(rng, rate / YEAR, until):
                cases.append(
                    DisturbanceCase(
                        move_in=move_in,
                        case_number=f"{CASE_PREFIX}{len(cases) + 1:06d}",
                        reported_on=move_in.move_in_date + datetime.timedelta(days=day),
                        category=rng.choices(list(CATEGORIES), weights=list(CATEGORIES.values()))[0],
                        justified=justified,
                    )
                )
                summary.justified += justified

        if move_out is not None:
            move_in.moved_out_on = move_out
            moved_out.append(move_in)
            damaged = rng.random() < effect.damage_chance
            cost = round(rng.lognormvariate(math.log(effect.damage_median_kr), 0.8), -2) if damaged else 0
            inspections.append(
                MoveOutInspection(
                    move_in=move_in,
                    inspected_on=min(today, move_out + datetime.timedelta(days=rng.randint(0, 5))),
                    damage_cost=max(100, int(cost)) if damaged else 0,
                )
            )

        if age >= 60 and rng.random() < SURVEY_SHARE:
            answered = move_in.move_in_date + datetime.timedelta(days=rng.randint(60, min(age, 365)))
            if move_out is None or answered < move_out:
                answers.append(_answer(rng, move_in, answered, effect.satisfaction))

    DisturbanceCase.objects.bulk_create(cases)
    MoveOutInspection.objects.bulk_create(inspections)
    SurveyAnswer.objects.bulk_create(answers)
    MoveIn.objects.bulk_update(moved_out, ["moved_out_on"])
    summary.cases, summary.move_outs, summary.surveys = len(cases), len(moved_out), len(answers)
    return summary


def _first_visit_days(move_in_ids: list[int]) -> dict[int, datetime.date]:
    """{move-in: the day (Stockholm) of its first completed visit}, as visits.impact reads it."""
    days: dict[int, datetime.date] = {}
    visits = (
        Visit.objects.filter(move_in_id__in=move_in_ids, status=Visit.Status.COMPLETED)
        .order_by("starts_at")
        .values_list("move_in_id", "starts_at")
    )
    for move_in_id, starts_at in visits.iterator():
        days.setdefault(move_in_id, timezone.localtime(starts_at, STOCKHOLM).date())
    return days


def _class(moved_in: datetime.date, visited: datetime.date | None, today: datetime.date) -> str:
    end = settings.VISIT_WINDOW_END_DAYS
    if visited is not None:
        return IN_TIME if (visited - moved_in).days <= end else LATE
    return NOT_VISITED if moved_in < today - datetime.timedelta(days=end) else WINDOW_OPEN


def _move_out_day(rng: random.Random, moved_in: datetime.date, age: int) -> datetime.date | None:
    """Nobody moves out in the first two months; after that MOVE_OUTS_A_YEAR of households a year."""
    if age <= 60:
        return None
    days = 60 + rng.expovariate(MOVE_OUTS_A_YEAR / YEAR)
    return moved_in + datetime.timedelta(days=int(days)) if days < age else None


def _arrivals(rng: random.Random, per_day: float, days: int) -> list[int]:
    """Days (0 to days - 1) on which events of a Poisson process with this daily rate happen."""
    found: list[int] = []
    if per_day <= 0:
        return found
    at = rng.expovariate(per_day)
    while at < days:
        found.append(int(at))
        at += rng.expovariate(per_day)
    return found


def _answer(rng: random.Random, move_in: MoveIn, answered: datetime.date, mean: float) -> SurveyAnswer:
    overall = _score(rng, mean)

    def area() -> int | None:
        # Most answer each area, about as they answered overall.
        return min(10, max(1, round(rng.gauss(overall, 1.0)))) if rng.random() < 0.85 else None

    return SurveyAnswer(
        move_in=move_in,
        answered_on=answered,
        satisfaction=overall,
        apartment_score=area(),
        shared_areas_score=area(),
        safety_score=area(),
        service_score=area(),
    )


def _score(rng: random.Random, mean: float) -> int:
    return min(10, max(1, round(rng.gauss(mean, SATISFACTION_SPREAD))))
