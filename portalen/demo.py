"""Demo referrals to Portalen for `manage.py seed_demo`: about one in twenty of the demo's completed visits
ends with a referral, and each referral runs a plausible course – most start within two months, some end,
and about 23 % of those referred a year or more ago support themselves by then (the figure Portalen reports:
233 of 1,000).

Labelled as demo data: every status carries the source "Demo data", and the visit logs and follow-ups
written for them say so in their notes. Made through portalen.services like real referrals, so every rule
holds. Deterministic: one random.Random seeded by the caller, visits taken in a fixed order.
"""

import datetime
import random

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from portalen import services
from portalen.models import Programme, ReferralStatusUpdate, Status
from visits.demo import CONTRACT_PREFIX
from visits.models import FollowUp, Visit, VisitLog
from visits.scheduling import STOCKHOLM

SHARE_REFERRED = 0.05
SHARE_STARTING = 0.8
# Of those who start: 0.8 × 0.29 ≈ 23 % of all referred are self-supporting within a year.
SHARE_SELF_SUPPORTING_OF_STARTED = 0.29
PROGRAMME_WEIGHTS = {Programme.COACHING: 45, Programme.STUDY_CIRCLE: 30, Programme.JOB_MATCHING: 25}
OTHER_FIRST_NAMES = ("Amina", "Yusuf", "Hawa", "Omar", "Lina", "Samir", "Sara", "Ali", "Noor", "Dawit")
DEMO = ReferralStatusUpdate.Source.DEMO


def demo_referrals_exist() -> bool:
    return ReferralStatusUpdate.objects.filter(source=DEMO).exists()


def seed_referrals(*, rng: random.Random, now: datetime.datetime) -> str:
    """Write the demo referrals (the caller holds the transaction) and say what was written. Run it after
    anything else that writes the demo's visit logs: a visit that has a log keeps it."""
    if demo_referrals_exist():
        return "Portalen demo referrals are already there."
    today = timezone.localdate(now, STOCKHOLM)
    demo_note = _("Demo data.")
    portalen = FollowUp.objects.filter(log__visit=OuterRef("pk"), kind=FollowUp.Kind.PORTALEN, referral__isnull=False)
    visits = list(
        Visit.objects.filter(
            move_in__contract_number__startswith=CONTRACT_PREFIX,
            status=Visit.Status.COMPLETED,
            ends_at__lte=now,
        )
        .exclude(Exists(portalen))
        .select_related("move_in__household", "visitor__user", "log")
        .order_by("starts_at", "id")
    )
    counts = {status: 0 for status in Status}
    referred = 0
    for visit in visits:
        if rng.random() >= SHARE_REFERRED:
            continue
        log = getattr(visit, "log", None) or VisitLog.objects.create(
            visit=visit,
            outcome=VisitLog.Outcome.COMPLETED,
            logged_by=visit.visitor.user,
            language_id=visit.language_id,
            interpreter_used=visit.interpreter_used,
            duration_minutes=int((visit.ends_at - visit.starts_at).total_seconds() // 60),
            notes=demo_note,
        )
        follow_up = FollowUp.objects.filter(log=log, kind=FollowUp.Kind.PORTALEN).first() or FollowUp.objects.create(
            log=log, kind=FollowUp.Kind.PORTALEN, note=demo_note, consent_given=True, consent_at=visit.ends_at
        )
        referral = services.refer(
            follow_up=follow_up,
            person_name=_person(rng, visit.move_in.household.contact_name),
            programme=rng.choices(list(PROGRAMME_WEIGHTS), weights=list(PROGRAMME_WEIGHTS.values()))[0],
            by=visit.visitor.user,
        )
        ReferralStatusUpdate.objects.filter(referral=referral).update(source=DEMO)
        referred += 1
        for status, day in _course(rng, referral.referred_on):
            if day > today:
                break
            services.record_status(referral_id=referral.id, status=status, date=day, source=DEMO, by=None, today=today)
            counts[status] += 1
    return (
        f"  Portalen demo referrals: {referred} (statuses: "
        + ", ".join(f"{status.value} {n}" for status, n in counts.items() if n)
        + ")"
    )


def _person(rng: random.Random, contact_name: str) -> str:
    """Mostly the household's contact; sometimes another member of the household, with its surname."""
    if rng.random() < 0.7 or " " not in contact_name:
        return contact_name
    return f"{rng.choice(OTHER_FIRST_NAMES)} {contact_name.rsplit(' ', 1)[1]}"


def _course(rng: random.Random, referred_on: datetime.date) -> list[tuple[str, datetime.date]]:
    """The statuses a referral will reach and when, in date order (the caller stops at today)."""
    days = datetime.timedelta
    if rng.random() >= SHARE_STARTING:
        # Never started: most say no in the end, some are still waiting.
        return [(Status.ENDED, referred_on + days(rng.randint(30, 120)))] if rng.random() < 0.6 else []
    started = referred_on + days(rng.randint(10, 60))
    course = [(Status.STARTED, started), (Status.IN_PROGRESS, started + days(rng.randint(20, 60)))]
    if rng.random() < SHARE_SELF_SUPPORTING_OF_STARTED:
        status = Status.SELF_SUPPORTING_WORK if rng.random() < 0.7 else Status.SELF_SUPPORTING_STUDIES
        course.append((status, max(course[-1][1] + days(1), referred_on + days(rng.randint(150, 360)))))
    elif rng.random() < 0.35:
        course.append((Status.ENDED, course[-1][1] + days(rng.randint(60, 300))))
    return course
