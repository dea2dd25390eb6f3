"""Who changed what (the history of households, move-ins and visits, kept by PostgreSQL triggers) and who
looked at what (one row per page that shows a household's personal data)."""

import datetime
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tenants import audit, retention
from tenants.models import Household, HouseholdLanguage, MoveIn, PersonalDataAccess
from visits.models import Visit
from visits.tests.conftest import stockholm

HouseholdEvent = apps.get_model("tenants", "HouseholdEvent")
MoveInEvent = apps.get_model("tenants", "MoveInEvent")
VisitEvent = apps.get_model("visits", "VisitEvent")
HouseholdLanguageEvent = apps.get_model("tenants", "HouseholdLanguageEvent")


@pytest.fixture
def haddad(make_move_in, amal) -> Visit:
    move_in = make_move_in(
        "ar", move_in_date=datetime.date(2025, 3, 3), contact_name="Fatima Haddad", phone="+46701234567"
    )
    start = stockholm(2025, 3, 10, 10)
    return Visit.objects.create(
        move_in=move_in, visitor=amal, starts_at=start, ends_at=start + datetime.timedelta(hours=1)
    )


def user_with_role(django_user_model, username: str, role: str):
    user = django_user_model.objects.create_user(username=username)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


# --- Who looked -------------------------------------------------------------------------------------


def test_opening_a_move_in_is_logged_once_per_page(client, coordinator, haddad):
    client.force_login(coordinator)
    url = reverse("coordination:move_in_edit", args=[haddad.move_in_id])

    client.get(url)

    access = PersonalDataAccess.objects.get()
    assert (access.user, access.household_id, access.what, access.path) == (
        coordinator,
        haddad.move_in.household_id,
        PersonalDataAccess.What.MOVE_IN_FORM,
        url,
    )


def test_a_visitor_opening_a_visit_is_logged(client, amal, haddad):
    client.force_login(amal.user)

    assert client.get(reverse("visits:detail", args=[haddad.id])).status_code == 200

    assert list(PersonalDataAccess.objects.values_list("user_id", "household_id", "what")) == [
        (amal.user_id, haddad.move_in.household_id, "visit_detail")
    ]


def test_a_visit_someone_may_not_open_is_not_logged(client, hodan, haddad):
    client.force_login(hodan.user)

    assert client.get(reverse("visits:detail", args=[haddad.id])).status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_reading_a_move_in_through_the_api_is_logged(client, coordinator, haddad):
    token = Token.objects.create(user=coordinator)

    response = client.get(f"/api/v1/move-ins/{haddad.move_in_id}/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert response.json()["contact_name"] == "Fatima Haddad"
    assert list(PersonalDataAccess.objects.values_list("user_id", "what")) == [(coordinator.id, "api_move_in")]


def test_lists_are_not_logged(client, coordinator, amal, haddad):
    client.force_login(amal.user)
    client.get(reverse("visits:today"))
    client.get(reverse("visits:week"))
    client.force_login(coordinator)
    client.get(reverse("coordination:search"), {"q": "Haddad"})
    client.get(reverse("coordination:queue"))
    token = Token.objects.create(user=coordinator)
    client.get("/api/v1/move-ins/", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("role", ["manager", "coordinator"])
def test_managers_and_coordinators_read_the_access_log_and_filter_it(
    client, django_user_model, coordinator, amal, haddad, role
):
    other = Household.objects.create(contact_name="Hodan Ali")
    audit.record_access(user=amal.user, household_id=haddad.move_in.household_id, what="visit_detail")
    audit.record_access(user=coordinator, household_id=other.id, what="move_in_form")
    client.force_login(user_with_role(django_user_model, "reader", role))
    url = reverse("dashboard:data_access")

    everything = client.get(url)
    by_user = client.get(url, {"user": amal.user_id})
    by_household = client.get(url, {"household": other.id})

    assert [a.household.contact_name for a in everything.context["page"]] == ["Hodan Ali", "Fatima Haddad"]
    assert [a.user for a in by_user.context["page"]] == [amal.user]
    assert [a.household_id for a in by_household.context["page"]] == [other.id]
    assert "Fatima Haddad" in everything.content.decode()


def test_visitors_cannot_read_the_access_log(client, amal):
    client.force_login(amal.user)

    assert client.get(reverse("dashboard:data_access")).status_code == 404


def test_the_access_log_is_read_only_in_the_admin(client, superuser, coordinator, haddad):
    audit.record_access(user=coordinator, household_id=haddad.move_in.household_id, what="move_in_form")
    access = PersonalDataAccess.objects.get()
    client.force_login(superuser)

    assert client.get(reverse("admin:tenants_personaldataaccess_changelist")).status_code == 200
    assert client.get(reverse("admin:tenants_personaldataaccess_add")).status_code == 403
    assert client.post(reverse("admin:tenants_personaldataaccess_delete", args=[access.id])).status_code == 403
    assert PersonalDataAccess.objects.count() == 1


# --- Who changed what: PostgreSQL ---------------------------------------------------------------------


def test_every_change_is_recorded_even_a_bulk_update(postgresql, haddad):
    household = haddad.move_in.household

    household.size = 5
    household.save(update_fields=["size"])
    Household.objects.filter(id=household.id).update(phone="+46709999999")
    MoveIn.objects.filter(id=haddad.move_in_id).update(move_in_date=datetime.date(2025, 3, 4))
    Visit.objects.filter(id=haddad.id).update(status=Visit.Status.CANCELLED)
    HouseholdLanguage.objects.filter(household=household).delete()

    assert list(
        HouseholdEvent.objects.filter(pgh_obj_id=household.id)
        .order_by("pgh_id")
        .values_list("pgh_label", "size", "phone")
    ) == [("insert", 1, "+46701234567"), ("update", 5, "+46701234567"), ("update", 5, "+46709999999")]
    assert (
        list(MoveInEvent.objects.filter(pgh_obj_id=haddad.move_in_id).values_list("pgh_label", flat=True)).count(
            "update"
        )
        >= 1
    )
    assert VisitEvent.objects.filter(pgh_obj_id=haddad.id, pgh_label="update", status="cancelled").exists()
    assert HouseholdLanguageEvent.objects.filter(household_id=household.id, pgh_label="delete").count() == 1


def test_a_change_made_on_a_page_names_the_user_and_the_page(postgresql, client, coordinator, haddad):
    client.force_login(coordinator)
    url = reverse("coordination:move_in_edit", args=[haddad.move_in_id])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(contact_name="Fatima Haddad-Ali", languages=["ar"])

    response = client.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    event = HouseholdEvent.objects.select_related("pgh_context").get(contact_name="Fatima Haddad-Ali")
    assert event.pgh_context.metadata["user"] == coordinator.id
    assert event.pgh_context.metadata["url"] == url


def test_a_change_made_by_a_task_names_the_task(postgresql, haddad):
    task = SimpleNamespace(name="tenants.anonymise_expired")
    audit.enter_task_context(task_id="abc", task=task)
    try:
        Household.objects.filter(id=haddad.move_in.household_id).update(size=3)
    finally:
        audit.exit_task_context(task_id="abc")

    event = HouseholdEvent.objects.select_related("pgh_context").get(pgh_label="update")
    assert (event.size, event.pgh_context.metadata) == (3, {"task": "tenants.anonymise_expired", "task_id": "abc"})
    # Left when the task ends (the statements of the next task are not labelled with this one).
    assert connection.execute_wrappers == []


def test_the_access_request_shows_the_history(postgresql, client, coordinator, haddad):
    Household.objects.filter(id=haddad.move_in.household_id).update(phone="+46709999999")
    client.force_login(coordinator)

    data = client.get(
        reverse("coordination:household_data", args=[haddad.move_in.household_id]), {"format": "json"}
    ).json()

    updates = [entry for entry in data["history"] if entry["model"] == "household" and entry["event"] == "update"]
    assert [entry["changed"] for entry in updates] == [["phone"]]
    assert {entry["model"] for entry in data["history"]} >= {"household", "householdlanguage", "movein", "visit"}


def test_anonymisation_leaves_no_copy_in_the_history(postgresql, haddad):
    household_id = haddad.move_in.household_id
    Visit.objects.filter(id=haddad.id).update(
        status=Visit.Status.CANCELLED, cancel_reason="Fatima is in hospital.", interpreter_reference="T-1"
    )
    Household.objects.filter(id=household_id).update(created_at=stockholm(2025, 2, 1))

    assert retention.anonymise_expired(now=stockholm(2028, 1, 1)) == 1

    assert not HouseholdEvent.objects.filter(contact_name__contains="Fatima").exists()
    assert not HouseholdEvent.objects.exclude(phone="").exists()
    assert not VisitEvent.objects.filter(cancel_reason__contains="hospital").exists()
    assert not VisitEvent.objects.exclude(interpreter_reference="").exists()
    # The anonymisation itself is in the history, as a change like any other.
    assert HouseholdEvent.objects.filter(pgh_obj_id=household_id, anonymised_at__isnull=False).exists()


# --- SQLite: no history, and nothing breaks ---------------------------------------------------------


def test_on_sqlite_history_is_simply_not_recorded(client, coordinator, haddad):
    if connection.vendor == "postgresql":
        pytest.skip("about the embedded SQLite database")
    with audit.history_context(task="a task"):
        Household.objects.filter(id=haddad.move_in.household_id).update(size=2)
    client.force_login(coordinator)
    assert client.get(reverse("coordination:move_in_edit", args=[haddad.move_in_id])).status_code == 200

    assert not audit.records_history()
    assert not HouseholdEvent.objects.exists()
