"""The coordinator's own screens: the queue of what the machine could not do, the week board, move-ins
by form and household search. Only coordinators (and superusers) reach them."""

import datetime
import itertools
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from tenants.models import Apartment, Building, District, Household, MoveIn
from visits import services
from visits.coordination_selectors import QueueKind
from visits.models import Assignment, ChangeRequest, Visit
from visits.scheduling import STOCKHOLM
from visits.tests.conftest import hourly_slots, stockholm

MONDAY = datetime.date(2025, 6, 2)  # week 2025-W23; "now" is 08:00 that morning
NOW = stockholm(2025, 6, 2, 8)


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def get_page(client, url_name: str, *args: object, **params: str):
    return client.get(reverse(url_name, args=args), params)


# --- Who gets in ---------------------------------------------------------------------------------------

SCREENS = [
    ("coordination:queue", ()),
    ("coordination:board", ()),
    ("coordination:absence", ()),
    ("coordination:move_in_new", ()),
    ("coordination:move_in_edit", (1,)),
    ("coordination:assign", (1,)),
    ("coordination:book_interpreter", (1,)),
    ("coordination:change_request", (1,)),
    ("coordination:search", ()),
]


@pytest.mark.parametrize(("url_name", "args"), SCREENS)
def test_visitors_and_managers_get_not_found(client, make_visitor, django_user_model, url_name, args):
    visitor = make_visitor("amal", "Amal Haddad", {"ar": 4})
    manager = django_user_model.objects.create_user(username="maria")
    manager.groups.add(Group.objects.get_or_create(name="manager")[0])

    for user in (visitor.user, manager):
        client.force_login(user)
        assert client.get(reverse(url_name, args=args)).status_code == 404


@pytest.mark.parametrize(("url_name", "args"), SCREENS)
def test_anonymous_users_are_sent_to_log_in(client, db, url_name, args):
    url = reverse(url_name, args=args)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login")) and "next=" in response.url


def test_a_superuser_who_is_no_coordinator_gets_in(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(username="root", password="x"))

    assert client.get(reverse("coordination:queue")).status_code == 200


def test_the_screens_speak_swedish_by_default(coordinator_client):
    page = coordinator_client.get(reverse("coordination:move_in_new")).content.decode()

    assert 'lang="sv"' in page
    assert "Kontraktsnummer" in page or "kontraktsnummer" in page


# --- The queue -----------------------------------------------------------------------------------------


@pytest.fixture
def build_queue(make_move_in, amal, languages) -> Callable[[int], None]:
    """build_queue(n): n items of every kind in the queue, each for a move-in of its own, with visits at
    distinct hours (PostgreSQL forbids one visitor's visits to overlap)."""
    future = iter(hourly_slots(MONDAY + datetime.timedelta(days=2), 1000))
    past = iter(hourly_slots(MONDAY - datetime.timedelta(days=21), 1000))

    def move_in(code: str = "ar", *, days_ago: int = 3, state: str = MoveIn.AssignmentState.ASSIGNED) -> MoveIn:
        m = make_move_in(code, move_in_date=MONDAY - datetime.timedelta(days=days_ago))
        MoveIn.objects.filter(id=m.id).update(assignment_state=state)
        m.assignment_state = state
        return m

    def visit(m: MoveIn, start: datetime.datetime, **fields: object) -> Visit:
        return Visit.objects.create(
            move_in=m, visitor=amal, starts_at=start, ends_at=start + datetime.timedelta(hours=1), **fields
        )

    def build(n: int) -> None:
        for _ in range(n):
            # Saved an hour ago and still not assigned: the worker is not doing its job.
            stale = move_in(state=MoveIn.AssignmentState.AWAITING)
            MoveIn.objects.filter(id=stale.id).update(created_at=NOW - datetime.timedelta(hours=1))
            parked = move_in(state=MoveIn.AssignmentState.NEEDS_COORDINATOR)
            MoveIn.objects.filter(id=parked.id).update(assignment_note="Nobody has free time in the window.")
            visit(move_in("prs"), next(future), interpreter_needed=True, interpreter_language=languages["prs"])
            ChangeRequest.objects.create(
                visit=visit(move_in(), next(future)), proposed_start=next(future), message="Not Wednesdays"
            )
            # Moved in 30 days ago: the window (2–21 days) is over; its visit was a no-show long ago.
            overdue = move_in(days_ago=30)
            visit(overdue, next(past), status=Visit.Status.CANCELLED)
            visit(move_in(days_ago=5), next(past), status=Visit.Status.NO_SHOW)

    return build


def test_the_queue_shows_one_item_per_kind_with_why_and_action(coordinator_client, build_queue):
    build_queue(1)

    response = coordinator_client.get(reverse("coordination:queue"))

    groups = {kind: items for kind, _heading, items in response.context["groups"]}
    assert sorted(groups) == sorted(QueueKind.ORDER)
    assert all(len(items) == 1 for items in groups.values())
    page = response.content.decode()
    for kind, (item,) in groups.items():
        assert item.why and item.why in page.replace("&#x27;", "'").replace("&quot;", '"'), kind
        assert item.action.url in page, kind
    assert groups[QueueKind.NEEDS_COORDINATOR][0].why == "Nobody has free time in the window."
    assert groups[QueueKind.INTERPRETER][0].action.url_name == "coordination:book_interpreter"
    assert groups[QueueKind.CHANGE_REQUEST][0].action.url_name == "coordination:change_request"
    assert {groups[kind][0].action.url_name for kind in (QueueKind.OVERDUE, QueueKind.NO_SHOW)} == {
        "coordination:assign"
    }


def test_a_no_show_leaves_the_queue_once_a_new_visit_is_planned(coordinator_client, build_queue, amal):
    build_queue(1)
    no_show = Visit.objects.get(status=Visit.Status.NO_SHOW)

    services.assign_manually(
        move_in_id=no_show.move_in_id,
        visitor_id=amal.id,
        starts_at=stockholm(2025, 6, 13, 9),
        reason="Called them",
        by=no_show.visitor.user,
    )

    groups = dict((k, i) for k, _h, i in coordinator_client.get(reverse("coordination:queue")).context["groups"])
    assert QueueKind.NO_SHOW not in groups


def test_an_overdue_move_in_leaves_the_queue_once_a_late_visit_is_planned(
    coordinator_client, coordinator, build_queue, amal
):
    build_queue(1)
    (overdue,) = [
        item.move_in
        for kind, _h, items in coordinator_client.get(reverse("coordination:queue")).context["groups"]
        for item in items
        if kind == QueueKind.OVERDUE
    ]

    coordinator_client.post(
        reverse("coordination:assign", args=[overdue.id]),
        {"visitor": amal.id, "day": "2025-06-13", "time": "09:00", "duration": "60", "reason": "Late but welcome"},
    )

    kinds = [kind for kind, _h, _i in coordinator_client.get(reverse("coordination:queue")).context["groups"]]
    assert QueueKind.OVERDUE not in kinds


def test_a_move_in_saved_a_moment_ago_is_not_yet_in_the_queue(coordinator_client, make_move_in):
    make_move_in("ar", move_in_date=MONDAY)

    assert coordinator_client.get(reverse("coordination:queue")).context["groups"] == []


def test_the_queue_reads_in_the_same_number_of_queries_for_one_or_ten_items_per_kind(
    coordinator_client, build_queue, django_assert_num_queries
):
    build_queue(1)
    # session, user, coordinator group; then one query per kind: needs a coordinator, interpreters,
    # change requests, no-shows, overdue, awaiting (each joined with household, building, visitor)
    with django_assert_num_queries(9):
        small = coordinator_client.get(reverse("coordination:queue"))
    build_queue(9)
    with django_assert_num_queries(9):
        large = coordinator_client.get(reverse("coordination:queue"))

    assert small.context["count"] == 6
    assert large.context["count"] == 60


def test_booking_an_interpreter_from_the_queue_removes_the_item(coordinator_client, build_queue):
    build_queue(1)
    visit = Visit.objects.get(interpreter_needed=True)

    response = coordinator_client.post(
        reverse("coordination:book_interpreter", args=[visit.id]),
        {"interpreter_type": "phone", "reference": "TOLK-991", "not_a_household_member": "on"},
    )

    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.interpreter_type, visit.interpreter_reference) == ("phone", "TOLK-991")
    kinds = [kind for kind, _h, _i in coordinator_client.get(reverse("coordination:queue")).context["groups"]]
    assert QueueKind.INTERPRETER not in kinds


def test_an_interpreter_is_not_booked_without_confirming_a_professional(coordinator_client, build_queue):
    build_queue(1)
    visit = Visit.objects.get(interpreter_needed=True)

    response = coordinator_client.post(
        reverse("coordination:book_interpreter", args=[visit.id]), {"interpreter_type": "phone", "reference": "X"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["not_a_household_member"]
    visit.refresh_from_db()
    assert visit.interpreter_type == ""


# --- Change requests -------------------------------------------------------------------------------------


@pytest.fixture
def change_request(make_move_in, amal) -> ChangeRequest:
    move_in = make_move_in("ar", move_in_date=MONDAY - datetime.timedelta(days=2))
    MoveIn.objects.filter(id=move_in.id).update(assignment_state=MoveIn.AssignmentState.ASSIGNED)
    start = stockholm(2025, 6, 4, 10)
    visit = Visit.objects.create(
        move_in=move_in, visitor=amal, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )
    return ChangeRequest.objects.create(visit=visit, proposed_start=stockholm(2025, 6, 5, 13), message="")


def test_a_change_request_moved_to_the_chosen_time_moves_the_visit_and_closes_the_request(
    coordinator_client, coordinator, change_request, amal
):
    old = change_request.visit

    response = coordinator_client.post(
        reverse("coordination:change_request", args=[change_request.id]), {"action": "move"}
    )

    assert response.status_code == 302
    old.refresh_from_db()
    assert old.status == Visit.Status.CANCELLED
    new = Visit.objects.get(move_in=old.move_in, status=Visit.Status.PLANNED)
    assert (new.visitor, new.starts_at, new.manual) == (amal, stockholm(2025, 6, 5, 13), True)
    assert Assignment.objects.get(visit=new).decided_by == coordinator
    change_request.refresh_from_db()
    assert (change_request.status, change_request.handled_by) == (ChangeRequest.Status.HANDLED, coordinator)
    assert change_request.handled_at is not None
    assert coordinator_client.get(reverse("coordination:queue")).context["groups"] == []


def test_a_change_request_can_be_marked_handled_without_moving_the_visit(
    coordinator_client, coordinator, change_request
):
    response = coordinator_client.post(
        reverse("coordination:change_request", args=[change_request.id]), {"action": "handled"}
    )

    assert response.status_code == 302
    change_request.refresh_from_db()
    assert change_request.status == ChangeRequest.Status.HANDLED
    assert Visit.objects.get(move_in=change_request.visit.move_in).status == Visit.Status.PLANNED


def test_the_queue_marks_a_change_request_handled_in_place_with_htmx(coordinator_client, change_request):
    queue = coordinator_client.get(reverse("coordination:queue")).content.decode()
    url = reverse("coordination:change_request", args=[change_request.id])
    assert f'hx-post="{url}"' in queue  # the button posts without leaving the queue

    response = coordinator_client.post(url, {"action": "handled"}, HTTP_HX_REQUEST="true")

    # An empty answer: htmx swaps the item out of the list; no redirect, no page to reload.
    assert (response.status_code, response.content) == (200, b"")
    change_request.refresh_from_db()
    assert change_request.status == ChangeRequest.Status.HANDLED
    assert url not in coordinator_client.get(reverse("coordination:queue")).content.decode()


def test_a_change_request_to_a_time_the_visitor_no_longer_has_changes_nothing(
    coordinator_client, change_request, plan_visits, amal
):
    plan_visits(amal, [stockholm(2025, 6, 5, 13)])  # someone else got Thursday 13:00 meanwhile

    response = coordinator_client.post(
        reverse("coordination:change_request", args=[change_request.id]), {"action": "move"}
    )

    assert response.status_code == 400
    assert response.context["error"]
    change_request.refresh_from_db()
    assert change_request.status == ChangeRequest.Status.OPEN
    assert Visit.objects.get(id=change_request.visit_id).status == Visit.Status.PLANNED


# --- The board -------------------------------------------------------------------------------------------


def test_the_board_shows_visitors_by_days_with_free_capacity(coordinator_client, team, amal, plan_visits):
    (visit,) = plan_visits(amal, [stockholm(2025, 6, 4, 10)])

    response = coordinator_client.get(reverse("coordination:board"), {"week": "2025-W23"})

    board = response.context["board"]
    assert board.days[0] == MONDAY and len(board.days) == 7
    assert [row.visitor for row in board.rows] == team
    amal_row = board.rows[0]
    assert [len(cell.visits) for cell in amal_row.cells] == [0, 0, 1, 0, 0, 0, 0]
    assert (amal_row.planned, amal_row.free) == (1, 9)
    assert [row.free for row in board.rows[1:]] == [10, 10]
    page = response.content.decode()
    assert visit.move_in.household.contact_name in page
    assert reverse("coordination:assign", args=[visit.move_in_id]) in page
    assert "?week=2025-W22" in page and "?week=2025-W24" in page


def test_the_board_accepts_a_date_for_its_week(coordinator_client, team):
    response = coordinator_client.get(reverse("coordination:board"), {"week": "2025-06-11"})

    assert response.context["board"].week_start == datetime.date(2025, 6, 9)


def test_the_board_reads_in_the_same_number_of_queries_for_one_or_many_visits(
    coordinator_client, make_visitor, plan_visits, django_assert_num_queries
):
    first = make_visitor("amal", "Amal Haddad", {"ar": 4})
    plan_visits(first, [stockholm(2025, 6, 4, 10)])
    # session, user, coordinator group; visitors; visits with households and buildings; absences;
    # the absence form's visitors and their languages (two)
    with django_assert_num_queries(8):
        coordinator_client.get(reverse("coordination:board"), {"week": "2025-W23"})
    for n in range(4):
        visitor = make_visitor(f"v{n}", f"Visitor {n}", {"so": 4})
        plan_visits(visitor, hourly_slots(MONDAY, 6))
    with django_assert_num_queries(8):
        response = coordinator_client.get(reverse("coordination:board"), {"week": "2025-W23"})
    assert sum(row.planned for row in response.context["board"].rows) == 25


def test_a_visit_moved_on_the_board_ends_up_on_the_new_day(coordinator_client, team, hodan, plan_visits, amal):
    (visit,) = plan_visits(amal, [stockholm(2025, 6, 4, 10)])

    response = coordinator_client.post(
        reverse("coordination:assign", args=[visit.move_in_id]),
        {"visitor": hodan.id, "day": "2025-06-06", "time": "11:00", "duration": "60", "reason": "Amal is on a course"},
    )

    assert response.status_code == 302
    board = coordinator_client.get(response.url).context["board"]
    hodan_row = next(row for row in board.rows if row.visitor == hodan)
    friday = hodan_row.cells[4]
    assert [v.move_in_id for v in friday.visits] == [visit.move_in_id]
    assert friday.visits[0].starts_at == stockholm(2025, 6, 6, 11)
    assert all(not cell.visits for cell in board.rows[0].cells)  # Amal's Wednesday is free again
    assert Assignment.objects.get(visit=friday.visits[0]).reason == "Amal is on a course"


def test_moving_a_visit_without_a_reason_shows_an_error_and_changes_nothing(
    coordinator_client, team, hodan, plan_visits, amal
):
    (visit,) = plan_visits(amal, [stockholm(2025, 6, 4, 10)])

    response = coordinator_client.post(
        reverse("coordination:assign", args=[visit.move_in_id]),
        {"visitor": hodan.id, "day": "2025-06-06", "time": "11:00", "duration": "60", "reason": "  "},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert list(Visit.objects.filter(move_in=visit.move_in).values_list("id", "status")) == [
        (visit.id, Visit.Status.PLANNED)
    ]


def test_moving_a_visit_into_an_absence_shows_the_service_s_reason(coordinator_client, team, hodan, plan_visits, amal):
    (visit,) = plan_visits(amal, [stockholm(2025, 6, 4, 10)])
    hodan.absences.create(starts_on=datetime.date(2025, 6, 6), ends_on=datetime.date(2025, 6, 6))

    response = coordinator_client.post(
        reverse("coordination:assign", args=[visit.move_in_id]),
        {"visitor": hodan.id, "day": "2025-06-06", "time": "11:00", "duration": "60", "reason": "Swap"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["visitor"]
    assert Visit.objects.filter(move_in=visit.move_in).count() == 1


def test_registering_an_absence_on_the_board_shows_what_moved(coordinator_client, team, amal, make_move_in):
    visit = services.assign_move_in(move_in_id=make_move_in("ar", move_in_date=MONDAY).id)
    day = visit.starts_at.astimezone(STOCKHOLM).date()

    response = coordinator_client.post(
        reverse("coordination:absence"),
        {"visitor": amal.id, "starts_on": day.isoformat(), "ends_on": day.isoformat(), "reason": "Sick"},
    )

    assert response.status_code == 200
    report = response.context["report"]
    ((old, new),) = report.moved
    assert old.id == visit.id and new.starts_at.astimezone(STOCKHOLM).date() != day
    page = response.content.decode()
    assert visit.move_in.household.contact_name in page
    assert new.starts_at.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") in page
    assert amal.absences.filter(starts_on=day).exists()


def test_an_absence_that_ends_before_it_starts_is_refused(coordinator_client, amal):
    response = coordinator_client.post(
        reverse("coordination:absence"),
        {"visitor": amal.id, "starts_on": "2025-06-05", "ends_on": "2025-06-04", "reason": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["ends_on"]
    assert not amal.absences.exists()


# --- Move-ins by form --------------------------------------------------------------------------------------


def move_in_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "contact_name": "Leila Haddad",
        "phone": "070-123 45 67",
        "email": "",
        "size": "4",
        "languages": ["ar", "sv"],
        "street_address": "Lindövägen 12",
        "postal_code": "60223",
        "city": "Norrköping",
        "district": "",
        "apartment_number": "1204",
        "floor": "2",
        "move_in_date": "2025-06-09",
        "contract_number": "K-77001",
    }
    data.update(overrides)
    return data


def test_creating_a_move_in_by_form_saves_household_languages_and_move_in_and_requests_assignment(
    coordinator_client, apartment, languages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = coordinator_client.post(reverse("coordination:move_in_new"), move_in_form())

    assert response.status_code == 302
    move_in = MoveIn.objects.select_related("household", "apartment__building").get(contract_number="K-77001")
    assert response.url == reverse("coordination:move_in_edit", args=[move_in.id])
    assert move_in.household.contact_name == "Leila Haddad"
    assert move_in.household.phone == "+46701234567"
    assert move_in.household.language_codes() == ["ar", "sv"]
    assert move_in.apartment.building == apartment.building  # found by its address
    assert (move_in.apartment.number, move_in.apartment.floor) == ("1204", 2)
    assert move_in.move_in_date == datetime.date(2025, 6, 9)
    assert move_in.assignment_state == MoveIn.AssignmentState.AWAITING
    assert len(callbacks) == 1  # the assignment task, sent once committed


def test_a_move_in_in_a_new_building_needs_its_district(coordinator_client, apartment, languages):
    data = move_in_form(street_address="Ringdansen 3", postal_code="602 21")

    response = coordinator_client.post(reverse("coordination:move_in_new"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["district"]
    assert not Household.objects.filter(contact_name="Leila Haddad").exists()

    data["district"] = str(District.objects.get().id)
    assert coordinator_client.post(reverse("coordination:move_in_new"), data).status_code == 302
    assert Building.objects.get(street_address="Ringdansen 3").postal_code == "602 21"


def test_a_duplicate_contract_number_shows_a_message_and_saves_nothing(
    coordinator_client, make_move_in, languages, django_capture_on_commit_callbacks
):
    existing = make_move_in("ar", move_in_date=MONDAY)
    counts = (Household.objects.count(), Apartment.objects.count(), MoveIn.objects.count())

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = coordinator_client.post(
            reverse("coordination:move_in_new"), move_in_form(contract_number=existing.contract_number)
        )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Det finns redan en inflyttning med det kontraktsnumret." in page  # "… already exists", in Swedish
    assert (Household.objects.count(), Apartment.objects.count(), MoveIn.objects.count()) == counts
    assert callbacks == []


def test_an_unknown_language_is_refused_in_plain_words(coordinator_client, apartment, languages):
    response = coordinator_client.post(reverse("coordination:move_in_new"), move_in_form(languages=["ingenspråk"]))

    assert response.status_code == 200
    assert "ingenspråk" in response.context["form"].errors["languages"][0]
    assert not MoveIn.objects.exists()


def test_languages_may_be_given_by_name(coordinator_client, apartment, languages):
    coordinator_client.post(reverse("coordination:move_in_new"), move_in_form(languages=["Somaliska", "Arabic"]))

    assert MoveIn.objects.get().household.language_codes() == ["so", "ar"]


def test_editing_a_move_in_updates_its_fields_and_languages(coordinator_client, make_move_in, languages):
    move_in = make_move_in("so", move_in_date=MONDAY, contact_name="Hodan Ali")
    page = coordinator_client.get(reverse("coordination:move_in_edit", args=[move_in.id]))
    assert page.context["form"].initial["languages"] == ["so"]

    response = coordinator_client.post(
        reverse("coordination:move_in_edit", args=[move_in.id]),
        move_in_form(
            contact_name="Hodan Ali Yusuf",
            languages=["so", "ar"],
            contract_number=move_in.contract_number,
            apartment_number=move_in.apartment.number,
        ),
    )

    assert response.status_code == 302
    move_in.refresh_from_db()
    assert move_in.household.contact_name == "Hodan Ali Yusuf"
    assert move_in.household.language_codes() == ["so", "ar"]
    assert move_in.move_in_date == datetime.date(2025, 6, 9)
    assert MoveIn.objects.count() == Household.objects.count() == 1


# --- Search ------------------------------------------------------------------------------------------------


@pytest.fixture
def households(make_move_in, languages) -> Iterator[dict[str, MoveIn]]:
    district = District.objects.create(name="Navestad")
    elsewhere = Apartment.objects.create(
        building=Building.objects.create(street_address="Skarphagsgatan 40", postal_code="602 24", district=district),
        number="0901",
    )
    numbers = itertools.count(1)
    found = {
        "name": make_move_in("ar", move_in_date=MONDAY, contact_name="Samira Yousef"),
        "address": make_move_in("so", move_in_date=MONDAY, contact_name="Abdi Nur", apartment=elsewhere),
        "contract": make_move_in("ti", move_in_date=MONDAY, contact_name="Selam Haile"),
    }
    MoveIn.objects.filter(id=found["contract"].id).update(contract_number=f"HB-2025-{next(numbers):04d}")
    yield found


@pytest.mark.parametrize(("query", "who"), [("yousef", "name"), ("skarphags", "address"), ("hb-2025-0001", "contract")])
def test_search_finds_households_by_name_address_and_contract_number(coordinator_client, households, query, who):
    response = coordinator_client.get(reverse("coordination:search"), {"q": query})

    assert [h.id for h in response.context["households"]] == [households[who].household_id]
    assert households[who].household.contact_name in response.content.decode()


def test_an_empty_search_lists_nothing(coordinator_client, households):
    assert coordinator_client.get(reverse("coordination:search"), {"q": " "}).context["households"] == []


def test_search_reads_in_the_same_number_of_queries_for_one_or_many_households(
    coordinator_client, make_move_in, languages, django_assert_num_queries
):
    make_move_in("ar", move_in_date=MONDAY, contact_name="Haddad 0")
    # session, user, coordinator group; households; their move-ins with apartments; their languages
    with django_assert_num_queries(6):
        coordinator_client.get(reverse("coordination:search"), {"q": "haddad"})
    for n in range(1, 8):
        make_move_in("ar", "so", move_in_date=MONDAY, contact_name=f"Haddad {n}")
    with django_assert_num_queries(6):
        response = coordinator_client.get(reverse("coordination:search"), {"q": "haddad"})
    assert len(response.context["households"]) == 8
