"""Outcomes through the REST API as the property system uses them: register with a token, retry safely, be
told of a conflict and of bad values per field, read them back (coordinators and managers only), and import
a file of them through the move-ins' import endpoint with `kind`. Answers are asked for in English (the
language cookie), so they read the same before and after the Swedish translations are merged."""

import datetime
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from hemkunskap.tests.api_helpers import staff, token_header
from tenants.models import DisturbanceCase, MoveIn, MoveOutInspection, SurveyAnswer
from visits.tests.conftest import stockholm

pytestmark = pytest.mark.django_db

NOW = stockholm(2026, 3, 2, 8)
MOVED_IN = datetime.date(2025, 9, 1)
CASE = {
    "contract_number": "K-00001",
    "case_number": "S-2026-17",
    "reported_on": "2025-11-03",
    "category": "noise",
    "justified": True,
}


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def move_in(make_move_in) -> MoveIn:
    return make_move_in("ar", move_in_date=MOVED_IN)  # K-00001


@pytest.fixture
def as_coordinator(db):
    return token_header(staff("cecilia", "coordinator"))


@pytest.fixture
def as_manager(db):
    return token_header(staff("mikael", "manager"))


def post(client, headers, url, body):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_registering_a_case_answers_201_then_200_for_the_same_then_409_for_other_values(
    client, as_coordinator, move_in
):
    first = post(client, as_coordinator, "/api/v1/disturbance-cases/", CASE)
    again = post(client, as_coordinator, "/api/v1/disturbance-cases/", {**CASE, "category": "buller"})
    other = post(client, as_coordinator, "/api/v1/disturbance-cases/", {**CASE, "justified": False})

    assert first.status_code == 201
    body = first.json()
    assert body["contract_number"] == "K-00001" and body["move_in"] == move_in.id
    assert (body["case_number"], body["reported_on"], body["category"], body["justified"]) == (
        "S-2026-17",
        "2025-11-03",
        "noise",
        True,
    )
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert other.status_code == 409
    assert other.json()["changed"] == ["justified"] and other.json()["id"] == body["id"]
    # A POST never overwrites: the stored case is as first registered.
    assert DisturbanceCase.objects.get().justified is True


def test_an_inspection_and_a_survey_answer_are_registered_the_same_way(client, as_coordinator, move_in):
    inspection = {"contract_number": "k-00001", "inspected_on": "2026-02-15", "damage_cost": 12500}
    answer = {"contract_number": "K-00001", "answered_on": "2026-01-20", "satisfaction": 8, "safety_score": None}

    created = [
        post(client, as_coordinator, "/api/v1/move-out-inspections/", inspection),
        post(client, as_coordinator, "/api/v1/survey-answers/", answer),
    ]
    repeated = [
        post(client, as_coordinator, "/api/v1/move-out-inspections/", inspection),
        post(client, as_coordinator, "/api/v1/survey-answers/", answer),
    ]

    assert [response.status_code for response in created] == [201, 201]
    assert [response.status_code for response in repeated] == [200, 200]
    assert MoveOutInspection.objects.get().damage_cost == 12500
    assert MoveIn.objects.get(id=move_in.id).moved_out_on == datetime.date(2026, 2, 15)
    assert created[1].json()["satisfaction"] == 8 and created[1].json()["safety_score"] is None
    assert SurveyAnswer.objects.count() == 1


def test_bad_values_answer_400_with_a_message_per_field_and_save_nothing(client, as_coordinator, move_in):
    wrong_types = post(
        client,
        as_coordinator,
        "/api/v1/survey-answers/",
        {"contract_number": 1, "answered_on": "2026-01-20", "satisfaction": "8", "mood": "good"},
    )
    wrong_values = post(
        client,
        as_coordinator,
        "/api/v1/survey-answers/",
        {"contract_number": "K-00001", "answered_on": "2025-08-01", "satisfaction": 11, "service_score": 0},
    )
    unknown = post(client, as_coordinator, "/api/v1/disturbance-cases/", {**CASE, "contract_number": "K-404"})

    assert wrong_types.status_code == 400
    assert wrong_types.json() == {
        "contract_number": ["A text is required."],
        "satisfaction": ["A whole number is required."],
        "mood": ["Unknown field."],
    }
    assert wrong_values.status_code == 400
    # Every value is checked first, each with its message; the date against the move-in once they are valid.
    assert wrong_values.json() == {
        "satisfaction": ["“11” is not a score from 1 to 10."],
        "service_score": ["“0” is not a score from 1 to 10."],
    }
    before_move_in = post(
        client,
        as_coordinator,
        "/api/v1/survey-answers/",
        {"contract_number": "K-00001", "answered_on": "2025-08-01", "satisfaction": 8},
    )
    assert before_move_in.status_code == 400
    assert before_move_in.json() == {"answered_on": ["The date 2025-08-01 is before the move-in on 2025-09-01."]}
    assert unknown.status_code == 400
    assert unknown.json() == {"contract_number": ["Contract number K-404 is not known. Import the move-in first."]}
    assert not SurveyAnswer.objects.exists() and not DisturbanceCase.objects.exists()


def test_the_list_costs_the_same_few_queries_however_many_cases(
    client, as_coordinator, make_move_in, django_assert_num_queries
):
    for number in range(12):
        move_in = make_move_in("ar", move_in_date=MOVED_IN)
        DisturbanceCase.objects.create(
            move_in=move_in,
            case_number=f"S-{number}",
            reported_on=datetime.date(2025, 10, 1) + datetime.timedelta(days=number),
            category="noise",
            justified=number % 2 == 0,
        )

    # token with its user, the user's roles, the count for the page, the cases joined with their move-ins
    with django_assert_num_queries(4):
        response = client.get("/api/v1/disturbance-cases/", **as_coordinator)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 12
    assert body["results"][0]["case_number"] == "S-11"  # latest first
    assert {row["contract_number"] for row in body["results"]} == {f"K-{n:05d}" for n in range(1, 13)}


def test_managers_read_outcomes_but_register_none_and_visitors_see_none(client, as_coordinator, as_manager, move_in):
    created = post(client, as_coordinator, "/api/v1/disturbance-cases/", CASE).json()
    as_visitor = token_header(staff("amal-v", "visitor"))

    assert client.get("/api/v1/disturbance-cases/", **as_manager).json()["count"] == 1
    assert client.get(f"/api/v1/disturbance-cases/{created['id']}/", **as_manager).status_code == 200
    assert post(client, as_manager, "/api/v1/disturbance-cases/", {**CASE, "case_number": "S-2"}).status_code == 403
    assert client.get("/api/v1/disturbance-cases/", **as_visitor).status_code == 403
    assert client.get(f"/api/v1/disturbance-cases/{created['id']}/", **as_visitor).status_code == 404
    assert client.get("/api/v1/survey-answers/").status_code == 401


def test_the_list_filters_by_contract_category_and_date(client, as_coordinator, move_in, make_move_in):
    other = make_move_in("so", move_in_date=MOVED_IN)
    post(client, as_coordinator, "/api/v1/disturbance-cases/", CASE)
    post(
        client,
        as_coordinator,
        "/api/v1/disturbance-cases/",
        {**CASE, "contract_number": other.contract_number, "case_number": "S-9", "category": "avfall"},
    )

    def numbers(query: str) -> list[str]:
        response = client.get(f"/api/v1/disturbance-cases/?{query}", **as_coordinator)
        return [row["case_number"] for row in response.json()["results"]]

    assert numbers(f"contract_number={other.contract_number.lower()}") == ["S-9"]
    assert numbers("category=noise") == ["S-2026-17"]
    assert numbers("reported_on_after=2025-11-04") == []


def test_the_import_endpoint_takes_the_kind_of_file(client, as_coordinator, move_in):
    data = "Kontraktsnummer;Datum;Skadekostnad\r\nK-00001;2026-02-15;12 500 kr\r\nK-404;2026-02-15;0\r\n"

    def send():
        upload = SimpleUploadedFile("besiktningar.csv", data.encode("cp1252"), content_type="text/csv")
        return client.post(
            "/api/v1/move-ins/import/", {"file": upload, "kind": "move_out_inspections"}, **as_coordinator
        )

    first, second = send(), send()

    assert first.status_code == 200
    report = first.json()
    assert report["kind"] == "move_out_inspections"
    assert report["counts"] == {"new": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert report["rows"][0]["move_in_id"] == move_in.id
    assert report["rows"][1]["errors"] == [
        {
            "field": "contract_number",
            "column": "Kontraktsnummer",
            "message": "Contract number K-404 is not known. Import the move-in first.",
        }
    ]
    assert second.json()["counts"]["unchanged"] == 1
    assert MoveOutInspection.objects.get().damage_cost == 12500
