"""Issue 6's "done when", end to end: a move-in POSTed to the API with a token is committed, sent through the
real broker to a real Celery worker, and the API then shows its planned visit. See conftest.py (the root's)
for the worker; no eager mode, no mocks."""

import datetime
import json

import pytest
from django.conf import settings
from django.utils import timezone

from hemkunskap.tests.api_helpers import staff, token_header
from tenants.models import MoveIn
from visits.scheduling import STOCKHOLM

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Generous for a loaded CI machine; a healthy worker needs well under a second.
ASSIGNMENT_TIMEOUT_SECONDS = 30


def test_a_move_in_posted_to_the_api_gets_its_visit_from_the_worker(client, celery_worker, apartment, amal, hodan):
    move_in_date = timezone.localdate() + datetime.timedelta(days=7)  # its whole visit window lies ahead
    headers = token_header(staff("fastighetssystemet", "coordinator"))
    body = {
        "contract_number": "K-API-0001",
        "move_in_date": move_in_date.isoformat(),
        "street_address": "Lindövägen 12",
        "postal_code": "602 23",
        "district": "Hageby",
        "apartment_number": "1102",
        "contact_name": "Faadumo Cali",
        "phone": "070-123 45 67",
        "household_size": 3,
        "languages": ["so", "ar"],
    }

    created = client.post("/api/v1/move-ins/", json.dumps(body), content_type="application/json", **headers)

    assert created.status_code == 201, created.json()
    url = created.json()["url"]
    shown: dict = {}

    def visit_shown() -> bool:
        shown.update(client.get(url, **headers).json())
        return shown["visit"] is not None

    celery_worker.wait_until(visit_shown, timeout=ASSIGNMENT_TIMEOUT_SECONDS, what="the API to show the visit")

    visit = shown["visit"]
    assert shown["assignment_state"] == "assigned"
    assert visit["visitor"] == {"id": hodan.id, "name": "Hodan Warsame", "languages": ["so"]}
    assert (visit["status"], visit["language"], visit["interpreter_needed"]) == ("planned", "so", False)
    start = datetime.datetime.fromisoformat(visit["start"])
    first_day, last_day = MoveIn.objects.get(id=shown["id"]).visit_window
    assert first_day <= start.astimezone(STOCKHOLM).date() <= last_day
    assert datetime.datetime.fromisoformat(visit["end"]) - start == datetime.timedelta(
        minutes=settings.VISIT_DURATION_MINUTES
    )
