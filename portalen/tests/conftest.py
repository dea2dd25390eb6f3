"""The visit tests' cast (visits/tests/conftest.py), Portalen's partner staff, and referrals made the way
the app makes them: a completed visit's log with a consented Portalen follow-up, then portalen.services.refer."""

import datetime
import itertools
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group

from portalen import services
from portalen.models import Programme, Referral
from visits.models import FollowUp, Visit, VisitLog
from visits.tests.conftest import (
    amal,
    apartment,
    coordinator,
    languages,
    make_move_in,
    make_visitor,
    manager,
    stockholm,
)

__all__ = ["amal", "apartment", "coordinator", "languages", "make_move_in", "make_visitor", "manager"]


@pytest.fixture
def partner(django_user_model):
    """Portalen's partner staff: the portalen role and nothing else."""
    user = django_user_model.objects.create_user(username="petra", first_name="Petra", last_name="ABF")
    user.groups.add(Group.objects.get_or_create(name="portalen")[0])
    return user


@pytest.fixture
def make_referral(request: pytest.FixtureRequest) -> Callable[..., Referral]:
    """make_referral(datetime.date(2023, 5, 4), name="Amina Haddad"): a referral made from a completed visit
    that day, to a household of its own (contact "Fatima Haddad N", phone, the visit's notes)."""
    visitor, make_move_in_ = request.getfixturevalue("amal"), request.getfixturevalue("make_move_in")
    numbers = itertools.count(1)

    def make(
        day: datetime.date,
        *,
        name: str = "Amina Haddad",
        programme: str = Programme.COACHING,
        **household_fields: object,
    ) -> Referral:
        n = next(numbers)
        move_in = make_move_in_(
            "ar",
            move_in_date=day - datetime.timedelta(days=5),
            contact_name=f"Fatima Haddad {n}",
            phone="+46701740605",
            **household_fields,
        )
        # Half an hour each, one after another: a visitor's visits never overlap (PostgreSQL refuses it).
        start = stockholm(day.year, day.month, day.day, 8) + datetime.timedelta(minutes=31 * (n - 1))
        visit = Visit.objects.create(
            move_in=move_in,
            visitor=visitor,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=30),
            status=Visit.Status.COMPLETED,
        )
        log = VisitLog.objects.create(
            visit=visit,
            outcome=VisitLog.Outcome.COMPLETED,
            logged_by=visitor.user,
            duration_minutes=30,
            notes="Hyresavin.",
        )
        follow_up = FollowUp.objects.create(
            log=log,
            kind=FollowUp.Kind.PORTALEN,
            note="Vill ha hjälp med cv.",
            consent_given=True,
            consent_at=visit.ends_at,
        )
        return services.refer(follow_up=follow_up, person_name=name, programme=programme, by=visitor.user)

    return make
