"""The tenants tests share the visits tests' cast and their broker switches (a test's own filesystem
queue, or a Redis nobody answers on), so that nothing published here reaches a real queue."""

import pytest
from django.db import connection

from hemkunskap.env import env_bool
from tenants.models import Household
from visits.tests.conftest import (
    amal,
    apartment,
    coordinator,
    hodan,
    languages,
    make_move_in,
    make_visitor,
    queue_folder,
    team,
    unreachable_broker,
    yonas,
)

__all__ = [
    "amal",
    "apartment",
    "coordinator",
    "hodan",
    "household",
    "languages",
    "make_move_in",
    "make_visitor",
    "postgresql",
    "queue_folder",
    "superuser",
    "team",
    "unreachable_broker",
    "yonas",
]


@pytest.fixture
def household(languages) -> Household:
    return Household.objects.create(contact_name="Fatima Haddad", phone="+46701234567", size=4)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(username="admin", email="admin@example.org", password=None)


@pytest.fixture
def postgresql(db) -> None:
    """For tests of what only PostgreSQL does (the history triggers): skipped on SQLite, but a failure with
    REQUIRE_SERVICES=1, where a run that silently skipped them would prove nothing."""
    if connection.vendor != "postgresql":
        if env_bool("REQUIRE_SERVICES", False):
            pytest.fail("REQUIRE_SERVICES=1 but the tests run on SQLite: history needs PostgreSQL", pytrace=False)
        pytest.skip("history is recorded on PostgreSQL only")
