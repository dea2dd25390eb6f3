"""The API's OpenAPI schema: served, readable, and true. Schemathesis sends generated requests – valid ones
and deliberately broken ones – to every operation as a coordinator, through the WSGI app, and checks each
answer: never a server error, and always a status, content type and body that the schema documents."""

import datetime
import json
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hemkunskap.tests.api_helpers import staff, token_header
from hemkunskap.wsgi import application
from languages.models import Language
from tenants.models import Apartment, Building, District, Household, MoveIn
from tenants.services import register_move_in, set_household_languages
from visits.models import Visit, Visitor, VisitorLanguage

# Loaded once, at collection: serving the schema reads no database.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.mark.django_db
def test_it_serves_an_openapi_3_schema_of_the_api(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Hemkunskap API"
    assert {"/api/v1/move-ins/", "/api/v1/move-ins/{id}/", "/api/v1/move-ins/import/", "/api/v1/visits/"} <= set(
        document["paths"]
    )
    # English whatever the interface language: the names are the API's.
    assert "Awaiting assignment" in response.content.decode()


@pytest.mark.django_db
def test_it_serves_the_docs_page_from_its_own_static_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn." not in html


@pytest.fixture
def existing(db) -> dict[str, int]:
    """What generated requests meet: the district Hageby with a building (the languages are the data
    migration's), and one move-in with its planned visit, so that answers with a visit are checked too."""
    assert Language.objects.filter(code="ar").exists()
    hageby = District.objects.create(name="Hageby")
    apartment = Apartment.objects.create(
        building=Building.objects.create(street_address="Lindövägen 12", postal_code="602 23", district=hageby),
        number="1102",
    )
    household = Household.objects.create(contact_name="Fatima Haddad", phone="+46701234567", size=4)
    set_household_languages(household=household, codes=["ar"])
    move_in = register_move_in(
        household=household,
        apartment=apartment,
        move_in_date=timezone.localdate(),
        contract_number="K-0001",
        enqueue=False,
    )
    visitor = Visitor.objects.create(user=staff("amal", "visitor", first_name="Amal"))
    VisitorLanguage.objects.create(visitor=visitor, language_id="ar")
    start = timezone.now() + datetime.timedelta(days=3)
    visit = Visit.objects.create(
        move_in=move_in, visitor=visitor, starts_at=start, ends_at=start + datetime.timedelta(hours=1), language_id="ar"
    )
    MoveIn.objects.filter(id=move_in.id).update(assignment_state=MoveIn.AssignmentState.ASSIGNED)
    return {"move-ins": move_in.id, "visits": visit.id}


@pytest.fixture
def one_connection() -> Iterator[None]:
    """Keep the test's database connection through the requests, as Django's test client does: a real
    WSGI request ends by closing a connection that is inside a transaction – the test's, whose rollback
    keeps the generated move-ins from outliving the test."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def as_coordinator(db) -> dict[str, str]:
    return {"Authorization": token_header(staff("cecilia", "coordinator"))["HTTP_AUTHORIZATION"]}


@schema.parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_it_answers_generated_requests_as_its_schema_says(case, one_connection, as_coordinator, existing):
    # A valid id is a random number that names nothing; half of them are pointed at the move-in or visit
    # that exists, so that reading and correcting one are tried too.
    resource = case.operation.path.split("/")[3]
    generated = (case.path_parameters or {}).get("id")
    if resource in existing and isinstance(generated, int) and generated % 2 == 0:
        case.path_parameters["id"] = existing[resource]
    case.call_and_validate(headers=as_coordinator, checks=CHECKS)
