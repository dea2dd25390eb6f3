"""Two move-ins to a building the app has never seen, registered at the same instant (the load run found it:
the property system sends a new building's move-ins together): one building, both saved, no 500.

The race is made certain, not hoped for: a transaction of the test's own creates the building and keeps it
uncommitted until the API request's INSERT of the same building waits for it in PostgreSQL; then commits."""

import json
import threading
import time

import pytest
from django.db import connection, transaction

from hemkunskap.tests.api_helpers import staff, token_header
from tenants.models import Building, District, MoveIn

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="an INSERT waiting on a unique index is PostgreSQL's behaviour"
    ),
    pytest.mark.django_db(transaction=True),
]

TIMEOUT_SECONDS = 30
WAITING_FOR = "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))"


class TheOtherSave(threading.Thread):
    """Creates the building in a transaction of its own and commits once another session waits for it."""

    def __init__(self, **building: object):
        super().__init__(daemon=True)
        self.building = building
        self.created, self.answered = threading.Event(), threading.Event()
        self.somebody_waited = False

    def run(self) -> None:
        try:
            with transaction.atomic():
                Building.objects.create(**self.building)
                self.created.set()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    [pid] = cursor.fetchone()
                    deadline = time.monotonic() + TIMEOUT_SECONDS
                    while not (self.somebody_waited or self.answered.is_set()) and time.monotonic() < deadline:
                        cursor.execute(WAITING_FOR, [pid])
                        self.somebody_waited = cursor.fetchone()[0] > 0
                        time.sleep(0.05)
        finally:
            connection.close()
            self.created.set()


def test_two_move_ins_to_a_new_building_at_the_same_instant_share_one_building(client, languages, queue_folder):
    hageby = District.objects.create(name="Hageby")
    other = TheOtherSave(street_address="Ljuravägen 3", postal_code="602 32", city="Norrköping", district=hageby)
    other.start()
    assert other.created.wait(TIMEOUT_SECONDS)
    body = {
        "contract_number": "K-NY-0001",
        "move_in_date": "2030-03-02",
        "street_address": "Ljuravägen 3",
        "postal_code": "602 32",
        "district": "Hageby",
        "apartment_number": "1001",
        "contact_name": "Faadumo Cali",
        "household_size": 3,
        "languages": ["so"],
    }

    response = client.post(
        "/api/v1/move-ins/",
        json.dumps(body),
        content_type="application/json",
        **token_header(staff("fastighetssystemet", "coordinator")),
    )
    other.answered.set()  # had it not waited, the other save need not wait any longer
    other.join(TIMEOUT_SECONDS)

    assert response.status_code == 201, response.content
    assert other.somebody_waited  # the request did meet the other save at the INSERT
    [building] = Building.objects.filter(street_address="Ljuravägen 3")
    assert MoveIn.objects.get(contract_number="K-NY-0001").apartment.building == building
