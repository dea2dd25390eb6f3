"""The impact dashboard: do households visited in time cause fewer disturbances and less damage, and are
they happier, than those visited late or not at all? Reads only.

Each move-in of the cohort (move-in date in the period, in the district) is put in one class by its first
completed visit (the same subquery as the dashboard, visits.dashboard_rollups.with_days_to_visit):

- in time: no later than VISIT_WINDOW_END_DAYS after move-in (an early visit is in time too);
- late: after that;
- not visited: no completed visit, and the window has closed (declined, no-show, never reached);
- window open: no completed visit yet and the window still open. Left out of every comparison, counted.

Then, per class (and per class within each language group, visitor and year of move-in):

- justified disturbance cases per 100 households in the first FOLLOW_UP_DAYS after move-in, counting only
  move-ins at least that old (a younger move-in has not had its full year yet);
- the share of inspected move-outs with damage beyond normal wear (> 0 kr) and their mean damage cost;
- the mean overall satisfaction, from each household's first survey answer.

Every figure comes with its interval and the count it rests on (visits.impact_statistics), and groups of
fewer than five households show nothing.

Cost: four queries whatever the data size. The period's move-ins grouped by (class, first language,
first visitor), and all years' move-ins grouped by (class, year): the database counts and sums, Python adds
up the few grouped rows. Per move-in the outcomes are correlated subqueries (cases, first answer) and a
join (the one inspection), so they cannot multiply each other. Then the language and visitor names: two
small tables, read whole.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from languages.models import Language
from tenants.models import DisturbanceCase, HouseholdLanguage, MoveIn, SurveyAnswer
from visits import impact_statistics as statistics
from visits.dashboard_rollups import with_days_to_visit
from visits.impact_statistics import Estimate
from visits.models import Visit, Visitor

# "The first 12 months": a year of days after the move-in date (the move-in day is day 0).
FOLLOW_UP_DAYS = 365

# What a mean can be: a damage cost in kronor, a survey score.
COST_BOUNDS = (0.0, math.inf)
SCORE_BOUNDS = (1.0, 10.0)

IN_TIME, LATE, NOT_VISITED, WINDOW_OPEN = "in_time", "late", "not_visited", "window_open"
# The classes compared, in the tables' order.
CLASSES = (IN_TIME, LATE, NOT_VISITED)
CLASS_LABELS = {
    IN_TIME: _("Visited in time"),
    LATE: _("Visited late"),
    NOT_VISITED: _("Not visited"),
}


@dataclass(frozen=True)
class Sums:
    """What the database adds up for one group; sums of groups are sums of their parts."""

    households: int = 0
    followed: int = 0  # households at least FOLLOW_UP_DAYS old on the day asked
    cases: int = 0  # justified disturbance cases of those, in their first FOLLOW_UP_DAYS
    inspected: int = 0  # move-outs inspected
    damaged: int = 0  # of those, with damage beyond normal wear
    damage_sum: float = 0.0
    damage_squares: float = 0.0
    answered: int = 0  # households with a survey answer
    satisfaction_sum: float = 0.0
    satisfaction_squares: float = 0.0

    def __add__(self, other: "Sums") -> "Sums":
        return Sums(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


SUM_NAMES = tuple(f.name for f in fields(Sums))


@dataclass(frozen=True)
class GroupRow:
    """One class of households within one group (a language, a visitor, a year, or everyone)."""

    group: str  # the language's or visitor's name, the year, or "" for the whole cohort
    visit_class: str  # IN_TIME, LATE or NOT_VISITED
    households: int
    suppressed: bool  # fewer than five households: nothing but that is shown
    disturbances: Estimate  # justified cases per 100 households, n = households followed a full year
    damage_share: Estimate  # per cent of inspected move-outs, n = inspected move-outs
    damage_cost: Estimate  # mean kr, n = inspected move-outs
    satisfaction: Estimate  # mean 1–10, n = households that answered

    @property
    def class_label(self) -> str:
        return str(CLASS_LABELS[self.visit_class])


@dataclass(frozen=True)
class Impact:
    first_day: datetime.date
    last_day: datetime.date
    district_id: int | None
    # Move-ins on or before this day have had their full year: only they count for disturbances.
    followed_until: datetime.date
    households: int  # in the comparison: every class but window open
    window_open: int  # left out: not visited yet, and the window still open
    classes: list[GroupRow]
    by_language: list[GroupRow]
    by_visitor: list[GroupRow]
    trend: list[GroupRow]  # every year since the first move-in, whatever the period


def impact(
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    district_id: int | None = None,
    today: datetime.date | None = None,
) -> Impact:
    today = today or timezone.localdate()
    followed_until = today - datetime.timedelta(days=FOLLOW_UP_DAYS)
    move_ins = _classified(district_id=district_id, today=today)

    period = move_ins.filter(move_in_date__range=(first_day, last_day))
    cohort = _sums(period, followed_until, "visit_class", "language", "visitor")  # query 1
    years = _sums(move_ins, followed_until, "visit_class", "year")  # query 2
    languages = _language_names()  # query 3
    visitors = {visitor.id: str(visitor) for visitor in Visitor.objects.select_related("user")}  # query 4

    by_class: dict[str, Sums] = defaultdict(Sums)
    by_language: dict[tuple[str, str], Sums] = defaultdict(Sums)
    by_visitor: dict[tuple[str, str], Sums] = defaultdict(Sums)
    for key, sums in cohort.items():
        visit_class, language, visitor = key
        by_class[visit_class] += sums
        if visit_class != WINDOW_OPEN:
            by_language[(languages.get(language, ""), visit_class)] += sums
        if visitor is not None:  # in time or late: someone made the visit
            by_visitor[(visitors.get(visitor, ""), visit_class)] += sums
    by_year: dict[tuple[str, str], Sums] = defaultdict(Sums)
    for (visit_class, year), sums in years.items():
        if visit_class != WINDOW_OPEN:
            by_year[(str(year), visit_class)] += sums

    return Impact(
        first_day=first_day,
        last_day=last_day,
        district_id=district_id,
        followed_until=followed_until,
        households=sum(by_class[c].households for c in CLASSES),
        window_open=by_class[WINDOW_OPEN].households,
        classes=[group_row("", c, by_class[c]) for c in CLASSES],
        by_language=_breakdown(by_language, CLASSES, largest_first=True),
        by_visitor=_breakdown(by_visitor, (IN_TIME, LATE), largest_first=False),
        trend=_breakdown(by_year, CLASSES, largest_first=False),
    )


def group_row(group: str, visit_class: str, sums: Sums) -> GroupRow:
    """A group's figures with their intervals; a group of fewer than five households shows none. No queries."""
    if statistics.is_suppressed(sums.households):
        hidden = statistics.suppressed(sums.households)
        return GroupRow(group, visit_class, sums.households, True, hidden, hidden, hidden, hidden)
    return GroupRow(
        group=group,
        visit_class=visit_class,
        households=sums.households,
        suppressed=False,
        disturbances=statistics.rate_per_100(sums.cases, sums.followed),
        damage_share=statistics.proportion(sums.damaged, sums.inspected),
        damage_cost=statistics.mean(sums.inspected, sums.damage_sum, sums.damage_squares, bounds=COST_BOUNDS),
        satisfaction=statistics.mean(
            sums.answered, sums.satisfaction_sum, sums.satisfaction_squares, bounds=SCORE_BOUNDS
        ),
    )


def _breakdown(groups: dict[tuple[str, str], Sums], classes: Iterable[str], *, largest_first: bool) -> list[GroupRow]:
    """Every group with a row for each class (empty classes too, so that the tables line up)."""
    classes = tuple(classes)
    totals: dict[str, int] = defaultdict(int)
    for (group, _class), sums in groups.items():
        totals[group] += sums.households
    order = sorted(totals, key=lambda group: (-totals[group], group) if largest_first else (0, group))
    return [group_row(group, c, groups.get((group, c), Sums())) for group in order for c in classes]


# --- The queries -------------------------------------------------------------------------------------------


def _classified(*, district_id: int | None, today: datetime.date) -> QuerySet[MoveIn]:
    """Every move-in (of the district) with its class, first language, first visitor and outcomes."""
    queryset = MoveIn.objects.all()
    if district_id is not None:
        queryset = queryset.filter(apartment__building__district_id=district_id)
    window_closed_before = today - datetime.timedelta(days=settings.VISIT_WINDOW_END_DAYS)
    first_visitor = (
        Visit.objects.filter(move_in=OuterRef("pk"), status=Visit.Status.COMPLETED)
        .order_by("starts_at", "id")
        .values("visitor_id")[:1]
    )
    first_language = (
        HouseholdLanguage.objects.filter(household=OuterRef("household_id")).order_by("rank").values("language_id")[:1]
    )
    # Justified cases in the move-in's first year. The day count is taken inside the subquery (the case
    # joined to its own move-in), where both dates are plain columns on every database.
    first_year_cases = (
        DisturbanceCase.objects.filter(move_in=OuterRef("pk"), justified=True)
        .annotate(since=ExpressionWrapper(F("reported_on") - F("move_in__move_in_date"), output_field=DurationField()))
        .filter(since__gte=datetime.timedelta(0), since__lt=datetime.timedelta(days=FOLLOW_UP_DAYS))
        .order_by()
        .values("move_in")
        .annotate(n=Count("id"))
        .values("n")
    )
    first_answer = SurveyAnswer.objects.filter(move_in=OuterRef("pk")).order_by("answered_on", "id")
    return with_days_to_visit(queryset).annotate(
        visit_class=Case(
            When(days_to_visit__lte=datetime.timedelta(days=settings.VISIT_WINDOW_END_DAYS), then=Value(IN_TIME)),
            When(visit_day__isnull=False, then=Value(LATE)),
            When(move_in_date__lt=window_closed_before, then=Value(NOT_VISITED)),
            default=Value(WINDOW_OPEN),
            output_field=CharField(),
        ),
        visitor=Subquery(first_visitor, output_field=IntegerField()),
        language=Subquery(first_language, output_field=CharField()),
        year=ExtractYear("move_in_date"),
        cases=Coalesce(Subquery(first_year_cases, output_field=IntegerField()), 0),
        satisfaction=Cast(Subquery(first_answer.values("satisfaction")[:1]), output_field=FloatField()),
        damage=Cast("move_out_inspection__damage_cost", output_field=FloatField()),
    )


def _sums(move_ins: QuerySet[MoveIn], followed_until: datetime.date, *group_by: str) -> dict[tuple, Sums]:
    """One query: the move-ins grouped by `group_by`, each group's Sums."""
    followed = Q(move_in_date__lte=followed_until)
    inspected = Q(move_out_inspection__isnull=False)
    rows = (
        move_ins.order_by()
        .values(*group_by)
        .annotate(
            households=Count("id"),
            followed=Count("id", filter=followed),
            cases=Coalesce(Sum("cases", filter=followed), 0),
            inspected=Count("id", filter=inspected),
            damaged=Count("id", filter=Q(move_out_inspection__damage_cost__gt=0)),
            damage_sum=Coalesce(Sum("damage"), 0.0),
            damage_squares=Coalesce(Sum(F("damage") * F("damage")), 0.0),
            answered=Count("satisfaction"),
            satisfaction_sum=Coalesce(Sum("satisfaction"), 0.0),
            satisfaction_squares=Coalesce(Sum(F("satisfaction") * F("satisfaction")), 0.0),
        )
    )
    return {
        tuple(row[name] for name in group_by): Sums(
            **{name: float(row[name]) if name.endswith(("_sum", "_squares")) else row[name] for name in SUM_NAMES}
        )
        for row in rows
    }


def _language_names() -> dict[str, str]:
    """{code: name in the UI language}: the whole table, a few hundred rows at most."""
    english = (get_language() or "sv").startswith("en")
    return {
        code: name_en if english else name_sv
        for code, name_sv, name_en in Language.objects.values_list("code", "name_sv", "name_en")
    }
