"""The tenants tests share the visits tests' cast and their broker switches (a test's own filesystem
queue, or a Redis nobody answers on), so that nothing published here reaches a real queue."""

import pytest

from tenants.models import Household
from visits.tests.conftest import amal, apartment, hodan, languages, make_visitor, queue_folder, unreachable_broker

__all__ = [
    "amal",
    "apartment",
    "hodan",
    "household",
    "languages",
    "make_visitor",
    "queue_folder",
    "superuser",
    "unreachable_broker",
]


@pytest.fixture
def household(languages) -> Household:
    return Household.objects.create(contact_name="Fatima Haddad", phone="+46701234567", size=4)


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(username="admin", email="admin@example.org", password=None)
