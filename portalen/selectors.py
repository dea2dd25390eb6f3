"""Reads about referrals: the list Portalen's staff work from (the referral's own row only – nothing about
the household), the Portalen follow-ups still waiting for a referral (coordinators), and the funnel."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear

from portalen.models import Referral
from visits.models import FollowUp

# Per-year groups smaller than this are shown as "fewer than 5": the funnel is for managers and partners,
# and nobody is to be singled out from it.
SMALLEST_SHOWN = 5


def referral_list(*, status: str = "") -> QuerySet[Referral]:
    """Referrals, newest first, with only the referral's own columns: one query per page, however many.
    Never joined to the follow-up, visit or household (Portalen's staff see this list)."""
    referrals = Referral.objects.only(
        "id", "person_name", "programme", "status", "status_on", "referred_on", "anonymised_at"
    ).order_by("-referred_on", "-id")
    return referrals.filter(status=status) if status else referrals


def waiting_follow_ups() -> QuerySet[FollowUp]:
    """Portalen follow-ups with consent that no referral has been made from yet (a visitor logged the
    consent without the person's name or programme): for a coordinator to complete."""
    return (
        FollowUp.objects.filter(kind=FollowUp.Kind.PORTALEN, consent_given=True, referral__isnull=True)
        .select_related("log__visit__move_in__household", "log__visit__visitor__user")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class FunnelRow:
    year: int | None  # None: all years together
    referred: int
    started: int
    self_supporting: int

    @property
    def share_self_supporting(self) -> float | None:
        """Self-supporting as a percentage of those referred (the figure the company reports: 233 of 1,000)."""
        return round(100 * self.self_supporting / self.referred, 1) if self.referred else None

    def shown(self) -> "ShownRow":
        """The row as managers and partners see it: per year, counts of 1 to 4 are "fewer than 5" (None),
        and so is a share made of one; the row for all years is shown whole."""
        if self.year is None:
            return ShownRow(self.year, self.referred, self.started, self.self_supporting, self.share_self_supporting)

        def hide(count: int) -> int | None:
            return None if 0 < count < SMALLEST_SHOWN else count

        referred, started, self_supporting = hide(self.referred), hide(self.started), hide(self.self_supporting)
        share = self.share_self_supporting if referred is not None and self_supporting is not None else None
        return ShownRow(self.year, referred, started, self_supporting, share)


@dataclass(frozen=True)
class ShownRow:
    year: int | None
    referred: int | None  # None: fewer than 5
    started: int | None
    self_supporting: int | None
    share_self_supporting: float | None


@dataclass(frozen=True)
class Funnel:
    years: list[FunnelRow]
    total: FunnelRow

    def shown(self) -> list[ShownRow]:
        return [row.shown() for row in self.years] + [self.total.shown()]


def funnel(*, today: datetime.date | None = None) -> Funnel:
    """Referred → started (reached started or beyond, ever) → self-supporting (work or studies, ever), by the
    year of the referral, and all years together. One query, whatever the number of referrals."""
    rows = (
        Referral.objects.annotate(year=ExtractYear("referred_on"))
        .values("year")
        .annotate(referred=Count("id"), started=Count("started_on"), self_supporting=Count("self_supporting_on"))
        .order_by("year")
    )
    years = [
        FunnelRow(year=r["year"], referred=r["referred"], started=r["started"], self_supporting=r["self_supporting"])
        for r in rows
    ]
    total = FunnelRow(
        year=None,
        referred=sum(r.referred for r in years),
        started=sum(r.started for r in years),
        self_supporting=sum(r.self_supporting for r in years),
    )
    return Funnel(years=years, total=total)
