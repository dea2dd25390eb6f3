"""The demo referrals seed_demo writes: about 5 % of completed visits, labelled, with a plausible course."""

import datetime
import random

import pytest
from django.utils import timezone

from portalen import selectors
from portalen.demo import seed_referrals
from portalen.models import Referral, ReferralStatusUpdate, Status
from visits import demo
from visits.models import Visit
from visits.scheduling import STOCKHOLM

NOW = datetime.datetime(2026, 3, 11, 11, 15, tzinfo=STOCKHOLM)


@pytest.fixture
def demo_visits(db, time_machine) -> int:
    time_machine.move_to(NOW, tick=False)
    demo.seed(rng=random.Random(1), now=timezone.now(), years=2.0, per_year=600, password="x")
    return Visit.objects.filter(status=Visit.Status.COMPLETED).count()


def test_about_one_in_twenty_completed_visits_is_referred_with_a_plausible_course(demo_visits):
    summary = seed_referrals(rng=random.Random(9), now=NOW)

    referrals = list(Referral.objects.all())
    assert 0.03 * demo_visits <= len(referrals) <= 0.07 * demo_visits
    assert str(len(referrals)) in summary
    # Labelled: every status but the referral's own first one says it is demo data, and so does the first.
    assert set(ReferralStatusUpdate.objects.values_list("source", flat=True)) == {ReferralStatusUpdate.Source.DEMO}
    assert all(r.follow_up.log.visit.move_in.contract_number.startswith(demo.CONTRACT_PREFIX) for r in referrals)
    funnel = selectors.funnel()
    assert funnel.total.started > funnel.total.referred / 2  # most start
    a_year_ago = NOW.date() - datetime.timedelta(days=365)
    old = [r for r in referrals if r.referred_on <= a_year_ago]
    share = sum(r.self_supporting_on is not None for r in old) / len(old)
    assert 0.1 <= share <= 0.4  # about 23 %
    assert any(r.status == Status.ENDED for r in referrals)
    # Again: nothing more.
    assert "already" in seed_referrals(rng=random.Random(9), now=NOW)
    assert Referral.objects.count() == len(referrals)
