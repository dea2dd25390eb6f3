"""The move-ins API as an integration uses it: register with a token, retry safely, be told of a conflict,
read the planned visit, correct, import a file. The clock is frozen on Monday 2 March 2026, 08:00 in
Stockholm; a move-in that day has its visit window from Wednesday 4 March."""

import datetime
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hemkunskap.tests.api_helpers import staff, token_header
from tenants.models import Household, MoveIn
from tenants.services import register_move_in, set_household_languages
from visits.models import Visit
from visits.scheduling import STOCKHOLM
from visits.services import assign_move_in
from visits.tests.conftest import stockholm

pytestmark = pytest.mark.django_db

NOW = stockholm(2026, 3, 2, 8)
NOW_DAY = NOW.date()
URL = "/api/v1/move-ins/"
IMPORT_URL = "/api/v1/move-ins/import/"
MOVE_IN = {
    "contract_number": "K-2026-0001",
    "move_in_date": "2026-03-02",
    "street_address": "Lindövägen 12",
    "postal_code": "60223",
    "district": "Hageby",
    "apartment_number": "1102",
    "contact_name": "Fatima Haddad",
    "phone": "070-123 45 67",
    "email": "Fatima@Example.org",
    "household_size": 4,
    "languages": ["ar", "somaliska"],
    "wants_interpreter": False,
}


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def coordinator(db):
    return staff("cecilia", "coordinator", first_name="Cecilia")


@pytest.fixture
def manager(db):
    return staff("mikael", "manager")


@pytest.fixture
def as_coordinator(coordinator):
    return token_header(coordinator)


@pytest.fixture
def hageby(apartment, languages):
    """The district Hageby with Lindövägen 12 in it, and the languages ar, so, ti, prs."""
    return apartment.building.district


def post(client, headers, body, url=URL):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **headers)


def patch(client, headers, move_in_id, body):
    return client.patch(f"{URL}{move_in_id}/", json.dumps(body), content_type="application/json", **headers)


def registered(client, headers, **changes):
    response = post(client, headers, {**MOVE_IN, **changes})
    assert response.status_code == 201, response.json()
    return response.json()


def iso(moment: datetime.datetime) -> str:
    return moment.astimezone(STOCKHOLM).isoformat()


# --- Registering ------------------------------------------------------------------------------------


def test_it_registers_a_move_in_and_answers_201_with_it_as_stored(
    client, as_coordinator, hageby, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = post(client, as_coordinator, MOVE_IN)

    assert response.status_code == 201
    body = response.json()
    move_in = MoveIn.objects.get()
    assert body["id"] == move_in.id
    assert body["url"] == f"http://testserver/api/v1/move-ins/{move_in.id}/"
    assert {name: body[name] for name in MOVE_IN} == {
        **MOVE_IN,
        "phone": "+46701234567",
        "postal_code": "602 23",
        "email": "fatima@example.org",
        "languages": ["ar", "so"],
    }
    assert (body["assignment_state"], body["visit"], body["protected_identity"]) == ("awaiting", None, False)
    assert len(callbacks) == 1  # sent to be assigned once committed


def test_it_answers_the_same_post_again_with_200_and_the_same_move_in(
    client, as_coordinator, hageby, django_capture_on_commit_callbacks
):
    first = registered(client, as_coordinator)

    with django_capture_on_commit_callbacks() as callbacks:
        again = post(client, as_coordinator, MOVE_IN)

    assert again.status_code == 200
    assert again.json() == first
    assert MoveIn.objects.count() == 1
    assert callbacks == []


def test_it_answers_409_naming_the_differing_fields_and_changes_nothing(client, as_coordinator, hageby):
    first = registered(client, as_coordinator)

    response = post(client, as_coordinator, {**MOVE_IN, "move_in_date": "2026-03-09", "phone": "0701234599"})

    assert response.status_code == 409
    body = response.json()
    assert body["changed"] == ["move_in_date", "phone"]
    assert (body["id"], body["url"]) == (first["id"], first["url"])
    assert "move_in_date" in body["detail"] and first["url"] in body["detail"]
    assert client.get(first["url"], **as_coordinator).json() == first


def test_it_takes_a_contract_number_in_another_case_as_the_same_move_in(client, as_coordinator, hageby):
    first = registered(client, as_coordinator)

    response = post(client, as_coordinator, {**MOVE_IN, "contract_number": "k-2026-0001"})

    assert (response.status_code, response.json()["id"]) == (200, first["id"])


# --- What is refused, field by field ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("move_in_date", "2026-13-01"),
        ("move_in_date", "next week"),
        ("move_in_date", 20260301),
        ("phone", "12"),
        ("postal_code", "6022"),
        ("household_size", 0),
        ("household_size", 31),
        ("household_size", "4"),
        ("household_size", True),
        ("languages", "ar"),
        ("languages", []),
        ("languages", [1, 2]),
        ("languages", {"ar": 1}),
        ("wants_interpreter", "ja"),
        ("contact_name", {"first": "Fatima"}),
        ("contact_name", ""),
        ("contract_number", None),
        ("email", "fatima@"),
        ("district", "Atlantis"),
        ("street_address", "Lindövägen\n12"),
        ("contact_name", "\ud800"),
    ],
)
def test_it_refuses_a_bad_value_with_a_400_naming_the_field(client, as_coordinator, hageby, field, value):
    response = post(client, as_coordinator, {**MOVE_IN, field: value})

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert MoveIn.objects.count() == 0


def test_it_names_the_unknown_language_code(client, as_coordinator, hageby):
    response = post(client, as_coordinator, {**MOVE_IN, "languages": ["ar", "xx"]})

    assert response.status_code == 400
    assert "xx" in response.json()["languages"][0]


def test_it_lists_every_missing_required_field(client, as_coordinator, hageby):
    response = post(client, as_coordinator, {})

    assert response.status_code == 400
    assert set(response.json()) == {
        "contract_number",
        "move_in_date",
        "street_address",
        "postal_code",
        "apartment_number",
        "contact_name",
        "languages",
    }


def test_it_refuses_unknown_fields_but_ignores_its_own_read_only_ones(client, as_coordinator, hageby):
    unknown = post(client, as_coordinator, {**MOVE_IN, "move_in_data": "2026-03-02"})
    read_only = post(client, as_coordinator, {**MOVE_IN, "id": 999, "visit": None, "assignment_state": "assigned"})

    assert (unknown.status_code, list(unknown.json())) == (400, ["move_in_data"])
    assert read_only.status_code == 201
    assert read_only.json()["assignment_state"] == "awaiting"


@pytest.mark.parametrize("body", ["[1, 2]", '"text"', "null", "{not json", ""])
def test_it_answers_400_to_a_body_that_is_not_a_json_object(client, as_coordinator, hageby, body):
    response = post(client, as_coordinator, body)

    assert response.status_code == 400
    assert MoveIn.objects.count() == 0


def test_it_refuses_a_body_that_is_not_json(client, as_coordinator, hageby):
    response = client.post(URL, {"contract_number": "K-1"}, **as_coordinator)  # a form, not JSON

    assert response.status_code == 415


# --- The visit ---------------------------------------------------------------------------------------


def test_it_shows_no_visit_until_assigned_then_the_planned_visit(client, as_coordinator, hageby, amal):
    move_in = registered(client, as_coordinator)
    assert client.get(move_in["url"], **as_coordinator).json()["visit"] is None

    visit = assign_move_in(move_in_id=move_in["id"])

    body = client.get(move_in["url"], **as_coordinator).json()
    assert body["assignment_state"] == "assigned"
    assert body["visit"] == {
        "id": visit.id,
        "visitor": {"id": amal.id, "name": "Amal Haddad", "languages": ["ar"]},
        "start": "2026-03-04T09:00:00+01:00",
        "end": "2026-03-04T10:00:00+01:00",
        "status": "planned",
        "language": "ar",
        "interpreter_needed": False,
        "interpreter_language": None,
    }


def test_it_shows_the_interpreter_when_nobody_speaks_the_households_language(client, as_coordinator, hageby, amal):
    move_in = registered(client, as_coordinator, languages=["prs"])

    assign_move_in(move_in_id=move_in["id"])

    visit = client.get(move_in["url"], **as_coordinator).json()["visit"]
    assert (visit["visitor"]["id"], visit["interpreter_needed"], visit["interpreter_language"]) == (
        amal.id,
        True,
        "prs",
    )


def test_it_shows_the_latest_completed_visit_once_nothing_is_open(client, as_coordinator, hageby, amal):
    move_in = registered(client, as_coordinator)
    visit = assign_move_in(move_in_id=move_in["id"])
    Visit.objects.filter(id=visit.id).update(status=Visit.Status.COMPLETED)

    assert client.get(move_in["url"], **as_coordinator).json()["visit"]["status"] == "completed"

    Visit.objects.filter(id=visit.id).update(status=Visit.Status.CANCELLED)

    assert client.get(move_in["url"], **as_coordinator).json()["visit"] is None


# --- Corrections --------------------------------------------------------------------------------------


def test_a_patch_that_moves_the_date_cancels_the_visit_and_plans_it_again(client, as_coordinator, hageby, amal):
    move_in = registered(client, as_coordinator)
    old_visit = assign_move_in(move_in_id=move_in["id"])

    response = patch(client, as_coordinator, move_in["id"], {"move_in_date": "2026-03-16"})

    assert response.status_code == 200
    body = response.json()
    assert (body["move_in_date"], body["assignment_state"], body["visit"]) == ("2026-03-16", "awaiting", None)
    assert body["phone"] == "+46701234567"  # what the PATCH did not name stays
    old_visit.refresh_from_db()
    assert old_visit.status == Visit.Status.CANCELLED

    new_visit = assign_move_in(move_in_id=move_in["id"])

    assert client.get(move_in["url"], **as_coordinator).json()["visit"]["start"] == iso(new_visit.starts_at)
    assert new_visit.starts_at.date() >= datetime.date(2026, 3, 18)


def test_a_patch_of_contact_details_keeps_the_visit(client, as_coordinator, hageby, amal):
    move_in = registered(client, as_coordinator)
    visit = assign_move_in(move_in_id=move_in["id"])

    response = patch(client, as_coordinator, move_in["id"], {"phone": None, "household_size": 5})

    assert response.status_code == 200
    body = response.json()
    assert (body["phone"], body["household_size"], body["visit"]["id"]) == ("", 5, visit.id)


def test_a_put_replaces_the_record_and_a_new_contract_number_is_refused(client, as_coordinator, hageby):
    move_in = registered(client, as_coordinator)
    url = move_in["url"]

    put = client.put(
        url, json.dumps({**MOVE_IN, "contact_name": "Ali Haddad"}), content_type="application/json", **as_coordinator
    )
    incomplete = client.put(url, json.dumps({"contact_name": "Ali"}), content_type="application/json", **as_coordinator)
    renumbered = patch(client, as_coordinator, move_in["id"], {"contract_number": "K-2026-0002"})

    assert (put.status_code, put.json()["contact_name"]) == (200, "Ali Haddad")
    assert incomplete.status_code == 400 and "move_in_date" in incomplete.json()
    assert (renumbered.status_code, list(renumbered.json())) == (400, ["contract_number"])
    assert MoveIn.objects.get().contract_number == "K-2026-0001"


def test_it_answers_404_for_a_move_in_that_does_not_exist(client, as_coordinator, hageby):
    assert client.get(f"{URL}999/", **as_coordinator).status_code == 404
    assert client.get(f"{URL}abc/", **as_coordinator).status_code == 404
    assert patch(client, as_coordinator, 999, {"phone": ""}).status_code == 404
    elsewhere = client.get("/api/v1/no-such-thing/", **as_coordinator)
    assert (elsewhere.status_code, list(elsewhere.json())) == (404, ["detail"])


# --- Who may do what ----------------------------------------------------------------------------------


def test_a_manager_reads_but_does_not_write(client, as_coordinator, manager, hageby):
    move_in = registered(client, as_coordinator)
    as_manager = token_header(manager)

    assert client.get(URL, **as_manager).status_code == 200
    assert client.get(move_in["url"], **as_manager).status_code == 200
    assert post(client, as_manager, {**MOVE_IN, "contract_number": "K-2"}).status_code == 403
    assert patch(client, as_manager, move_in["id"], {"phone": ""}).status_code == 403
    assert client.post(IMPORT_URL, {"file": csv_file(HEADER)}, **as_manager).status_code == 403


def test_a_user_without_a_role_gets_no_move_ins(client, as_coordinator, hageby):
    move_in = registered(client, as_coordinator)
    headers = token_header(staff("someone"))

    assert client.get(URL, **headers).status_code == 403
    assert client.get(move_in["url"], **headers).status_code == 403
    assert post(client, headers, {**MOVE_IN, "contract_number": "K-2"}).status_code == 403


def test_a_visitor_is_told_another_visitors_move_in_does_not_exist_and_writes_nothing(client, as_coordinator, hageby):
    # Visitors read the move-ins they visit (hemkunskap.api_permissions); this one has no visit of theirs.
    move_in = registered(client, as_coordinator)
    headers = token_header(staff("someone", "visitor"))

    assert client.get(URL, **headers).json()["count"] == 0
    assert client.get(move_in["url"], **headers).status_code == 404
    assert patch(client, headers, move_in["id"], {"phone": ""}).status_code == 404
    assert post(client, headers, {**MOVE_IN, "contract_number": "K-2"}).status_code == 403


def test_an_anonymous_request_is_told_to_authenticate_with_a_token(client, hageby):
    for response in (
        client.get(URL),
        post(client, {}, MOVE_IN),
        client.get(URL, HTTP_AUTHORIZATION="Token not-a-real-key"),
    ):
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
    assert MoveIn.objects.count() == 0


def test_a_signed_in_coordinator_uses_the_api_with_the_session(client, coordinator, hageby):
    client.force_login(coordinator)

    assert post(client, {}, MOVE_IN).status_code == 201
    assert client.get(URL).json()["count"] == 1


def test_a_superuser_counts_as_a_coordinator(client, superuser, hageby):
    assert post(client, token_header(superuser), MOVE_IN).status_code == 201


def test_a_manager_does_not_see_where_a_protected_household_lives(client, as_coordinator, manager, hageby):
    move_in = registered(client, as_coordinator)
    Household.objects.update(protected_identity=True)
    hidden = dict.fromkeys(["street_address", "postal_code", "apartment_number", "phone", "email"])

    as_manager = client.get(move_in["url"], **token_header(manager)).json()
    listed = client.get(URL, **token_header(manager)).json()["results"][0]
    as_coordinator_sees = client.get(move_in["url"], **as_coordinator).json()

    assert {name: as_manager[name] for name in hidden} == hidden
    assert {name: listed[name] for name in hidden} == hidden
    assert as_manager["protected_identity"] is True
    assert as_manager["contact_name"] == "Fatima Haddad"
    assert as_coordinator_sees["street_address"] == "Lindövägen 12"
    assert as_coordinator_sees["phone"] == "+46701234567"


# --- Lists ---------------------------------------------------------------------------------------------


def make_move_in(apartment, number: int, *codes: str, move_in_date: datetime.date = NOW_DAY) -> MoveIn:
    household = Household.objects.create(contact_name=f"Hushåll {number}")
    set_household_languages(household=household, codes=codes or ["ar"])
    return register_move_in(
        household=household,
        apartment=apartment,
        move_in_date=move_in_date,
        contract_number=f"K-{number:04d}",
        enqueue=False,
    )


def contract_numbers(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [move_in["contract_number"] for move_in in response.json()["results"]]


def test_it_filters_move_ins(client, as_coordinator, hageby, apartment):
    from tenants.models import Apartment, Building, District

    other = Apartment.objects.create(
        building=Building.objects.create(
            street_address="Navestadsgatan 1", postal_code="603 78", district=District.objects.create(name="Navestad")
        ),
        number="0101",
    )
    make_move_in(apartment, 1, "ar", move_in_date=datetime.date(2026, 3, 1))
    make_move_in(apartment, 2, "so", "ar", move_in_date=datetime.date(2026, 3, 10))
    make_move_in(other, 3, "ti", move_in_date=datetime.date(2026, 4, 1))
    MoveIn.objects.filter(contract_number="K-0002").update(assignment_state=MoveIn.AssignmentState.NEEDS_COORDINATOR)

    def listed(**params):
        return contract_numbers(client.get(URL, params, **as_coordinator))

    assert listed() == ["K-0003", "K-0002", "K-0001"]  # latest move-in first
    assert listed(ordering="move_in_date") == ["K-0001", "K-0002", "K-0003"]
    assert listed(move_in_date_after="2026-03-05", move_in_date_before="2026-03-31") == ["K-0002"]
    assert listed(district="navestad") == ["K-0003"]
    assert listed(assignment_state="needs_coordinator") == ["K-0002"]
    assert listed(contract_number="k-0001") == ["K-0001"]
    assert listed(language="ar") == ["K-0002", "K-0001"]  # second choice counts too, and once
    assert client.get(URL, {"move_in_date_after": "someday"}, **as_coordinator).status_code == 400
    assert client.get(URL, {"assignment_state": "lost"}, **as_coordinator).status_code == 400


def test_it_pages_through_move_ins(client, as_coordinator, hageby, apartment):
    for number in range(1, 6):
        make_move_in(apartment, number)

    first = client.get(URL, {"page_size": 2, "ordering": "contract_number"}, **as_coordinator).json()
    last = client.get(URL, {"page_size": 2, "page": 3, "ordering": "contract_number"}, **as_coordinator).json()

    assert first["count"] == 5
    assert [m["contract_number"] for m in first["results"]] == ["K-0001", "K-0002"]
    assert "page=2" in first["next"]
    assert [m["contract_number"] for m in last["results"]] == ["K-0005"]
    assert client.get(URL, {"page": 4}, **as_coordinator).status_code == 404


def test_it_pages_by_50_and_at_most_200(client, as_coordinator, hageby, apartment):
    from hemkunskap.api import Pagination

    assert (Pagination.page_size, Pagination.max_page_size) == (50, 200)
    make_move_in(apartment, 1)
    assert client.get(URL, {"page_size": 1000}, **as_coordinator).status_code == 200


@pytest.mark.parametrize("rows", [2, 20])
def test_it_lists_move_ins_with_their_visits_in_the_same_number_of_queries(
    client, as_coordinator, hageby, apartment, amal, hodan, django_assert_num_queries, rows
):
    for number in range(1, rows + 1):
        move_in = make_move_in(apartment, number, "ar", "so")
        visitor = amal if number % 2 else hodan
        start = stockholm(2026, 3, 4, 9) + datetime.timedelta(days=number)
        Visit.objects.create(
            move_in=move_in, visitor=visitor, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
        )

    # token with its user, the user's roles, the count, the move-ins with household and address, their
    # languages, their visits with visitors, the visitors' languages
    with django_assert_num_queries(7):
        response = client.get(URL, **as_coordinator)

    assert len(response.json()["results"]) == rows
    assert all(move_in["visit"]["visitor"]["languages"] for move_in in response.json()["results"])


def test_it_reads_one_move_in_in_a_fixed_number_of_queries(
    client, as_coordinator, hageby, apartment, amal, django_assert_num_queries
):
    move_in = make_move_in(apartment, 1)
    assign_move_in(move_in_id=move_in.id)

    # token with its user, roles, the move-in, the access log's row, its languages, its visits, the
    # visitor's languages
    with django_assert_num_queries(7):
        assert client.get(f"{URL}{move_in.id}/", **as_coordinator).status_code == 200


# --- Importing a file --------------------------------------------------------------------------------

HEADER = "Kontraktsnummer;Inflyttningsdatum;Gatuadress;Postnummer;Område;Lgh nr;Kontaktperson;Telefon;Språk;Tolk"
ROWS = [
    "K-1;2026-03-10;Söderköpingsvägen 5;602 23;Hageby;1201;Åsa Öberg;070-123 45 67;arabiska;ja",
    "K-2;10/03/2026;Lindövägen 12;60223;Hageby;1202;Yonas T;0701234568;ti, ar;nej",
    "K-3;31/02/2026;Lindövägen 12;602 23;Hageby;1203;Per;;arabiska;nej",
]


def csv_file(*lines: str, name: str = "inflyttningar.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode("utf-8"), content_type="text/csv")


def test_it_imports_a_file_dry_run_first_then_for_real_then_again_unchanged(client, as_coordinator, hageby):
    dry = client.post(IMPORT_URL, {"file": csv_file(HEADER, *ROWS), "dry_run": "true"}, **as_coordinator)

    assert dry.status_code == 200
    report = dry.json()
    assert (report["dry_run"], report["saved"]) == (True, False)
    assert report["counts"] == {"new": 2, "updated": 0, "unchanged": 0, "rejected": 1}
    assert [row["fate"] for row in report["rows"]] == ["new", "new", "rejected"]
    rejected = report["rows"][2]
    assert (rejected["number"], rejected["contract_number"], rejected["move_in_id"]) == (4, "K-3", None)
    assert [(error["field"], error["column"]) for error in rejected["errors"]] == [
        ("move_in_date", "Inflyttningsdatum")
    ]
    assert report["summary"]
    assert MoveIn.objects.count() == 0

    real = client.post(IMPORT_URL, {"file": csv_file(HEADER, *ROWS)}, **as_coordinator).json()

    assert real["saved"] is True
    assert [row["move_in_id"] for row in real["rows"][:2]] == list(
        MoveIn.objects.order_by("contract_number").values_list("id", flat=True)
    )

    again = client.post(IMPORT_URL, {"file": csv_file(HEADER, *ROWS)}, **as_coordinator).json()

    assert again["counts"] == {"new": 0, "updated": 0, "unchanged": 2, "rejected": 1}
    assert MoveIn.objects.count() == 2


def test_it_reports_the_fields_an_import_changed(client, as_coordinator, hageby):
    client.post(IMPORT_URL, {"file": csv_file(HEADER, ROWS[0])}, **as_coordinator)

    changed = ROWS[0].replace("070-123 45 67", "070-123 45 00")
    report = client.post(IMPORT_URL, {"file": csv_file(HEADER, changed)}, **as_coordinator).json()

    assert [(row["fate"], row["changed"]) for row in report["rows"]] == [("updated", ["phone"])]


def test_all_or_nothing_saves_nothing_when_a_row_is_rejected(client, as_coordinator, hageby):
    response = client.post(IMPORT_URL, {"file": csv_file(HEADER, *ROWS), "all_or_nothing": "true"}, **as_coordinator)

    assert (response.status_code, response.json()["saved"]) == (200, False)
    assert MoveIn.objects.count() == 0


def test_it_refuses_a_missing_unreadable_or_oversized_file(client, as_coordinator, hageby, settings):
    missing = client.post(IMPORT_URL, {"dry_run": "true"}, **as_coordinator)
    unreadable = client.post(
        IMPORT_URL,
        {"file": SimpleUploadedFile("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)},
        **as_coordinator,
    )
    settings.IMPORT_MAX_BYTES = 1024
    oversized = client.post(IMPORT_URL, {"file": csv_file(HEADER, *ROWS * 20)}, **as_coordinator)
    json_body = post(client, as_coordinator, {"file": "K-1;2026-03-10"}, url=IMPORT_URL)

    assert (missing.status_code, list(missing.json())) == (400, ["file"])
    assert (unreadable.status_code, list(unreadable.json())) == (400, ["file"])
    assert unreadable.json()["file"][0]
    assert (oversized.status_code, list(oversized.json())) == (400, ["file"])
    assert json_body.status_code == 415
    assert MoveIn.objects.count() == 0
