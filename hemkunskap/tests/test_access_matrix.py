"""Every URL pattern the resolver knows × every role, against the decisions in hemkunskap/access_matrix.py.

A pattern without a decision fails here: add a line to MATRIX saying who gets what. The URL's ids are
those of real rows – the visitor's own visit, move-in and change request, or another visitor's – so that
"404 for someone else's visit" is tested against a visit that exists.

One world is built for the whole module inside a transaction that is rolled back at its end; each test
runs in a savepoint inside it, so a POST that changes something changes it for that test only.
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from hemkunskap import access_matrix, health
from hemkunskap.access_matrix import ROLES, WEB_METHODS, Outcome, Pattern, Route, TokenRoute
from languages.models import Language
from messaging.channels import sms_status_secret
from messaging.models import Alert, Channel, Kind, Message
from tenants.models import Apartment, Building, District, Household, MoveIn, MoveInImport
from tenants.services import register_move_in, set_household_languages
from visits.links import household_token
from visits.models import Absence, Assignment, ChangeRequest, Visit, Visitor, VisitorLanguage

PATTERNS = access_matrix.patterns()
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")
GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")


# --- The world ------------------------------------------------------------------------------------------


@dataclass
class World:
    sessions: dict[str, str]  # a signed-in session's key, by role (anonymous has none)
    own: dict[str, object]  # the visitor's visit, move-in, change request
    others: dict[str, object]  # another visitor's
    values: dict[str, str]  # every other URL argument, by name


def _user(username: str, role: str, **fields: object) -> AbstractBaseUser:
    user = get_user_model().objects.create_user(username=username, first_name=username.title(), **fields)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def _visitor(username: str, code: str) -> Visitor:
    visitor = Visitor.objects.create(user=_user(username, "visitor", email=f"{username}@example.com"))
    VisitorLanguage.objects.create(visitor=visitor, language_id=code, level=VisitorLanguage.Level.NATIVE)
    return visitor


def _visit(visitor: Visitor, apartment: Apartment, number: int, **household_fields: object) -> Visit:
    household = Household.objects.create(contact_name=f"Hushåll {number}", **household_fields)
    set_household_languages(household=household, codes=["ar"])
    today = timezone.localdate()
    move_in = register_move_in(
        household=household,
        apartment=apartment,
        move_in_date=today - datetime.timedelta(days=1),
        contract_number=f"K-ACL-{number}",
        enqueue=False,
    )
    MoveIn.objects.filter(id=move_in.id).update(assignment_state=MoveIn.AssignmentState.ASSIGNED)
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=3)
    visit = Visit.objects.create(
        move_in=move_in,
        visitor=visitor,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1),
        # Open, with an interpreter to book: every coordinator screen about a visit has something to show.
        interpreter_needed=True,
        interpreter_language_id="so",
    )
    Assignment.objects.create(move_in=move_in, visit=visit, visitor=visitor, kind=Assignment.Kind.AUTOMATIC, reason="")
    return visit


def _signed_in(user: AbstractBaseUser) -> str:
    """A session of the user's, signed in once for the whole module (each test rolls back what it did to it)."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def build_world() -> World:
    for code, name in (("ar", "Arabic"), ("so", "Somali")):
        Language.objects.get_or_create(code=code, defaults={"name_sv": name, "name_en": name, "name_native": name})
    district = District.objects.create(name="Hageby ACL")
    building = Building.objects.create(street_address="Accessgatan 1", postal_code="602 23", district=district)
    apartment = Apartment.objects.create(building=building, number="1001", floor=1)
    coordinator = _user("acl-coordinator", "coordinator", is_staff=True)
    manager = _user("acl-manager", "manager", is_staff=True)
    amal, hodan = _visitor("acl-amal", "ar"), _visitor("acl-hodan", "so")
    own = _visit(amal, apartment, 1, phone="+46701111111", protected_identity=True)
    other = _visit(hodan, apartment, 2, phone="+46702222222")
    own_change = ChangeRequest.objects.create(visit=own, message="Kan ni komma senare?")
    other_change = ChangeRequest.objects.create(visit=other, message="Kan ni komma tidigare?")
    Absence.objects.create(visitor=hodan, starts_on=timezone.localdate(), ends_on=timezone.localdate())
    upload = MoveInImport.objects.create(uploaded_by=coordinator, filename="inflyttningar.csv", content=b"")
    Message.objects.create(
        kind=Kind.INVITATION,
        channel=Channel.SMS,
        recipient="+46701111111",
        visit=own,
        scheduled_for=timezone.now(),
        key="acl-invitation",
    )
    Alert.objects.create(kind=Alert.Kind.INTERPRETER_NEEDED, move_in=own.move_in, text="Boka tolk", key="acl-alert")
    Token.objects.create(user=coordinator)
    if apps.is_installed("django_otp.plugins.otp_totp"):
        # The admin's pages about an authenticator need one (asked for a missing one, django-otp fails).
        apps.get_model("otp_totp", "TOTPDevice").objects.create(user=manager, name="phone", confirmed=False)
    users = {"visitor": amal.user, "coordinator": coordinator, "manager": manager}
    return World(
        sessions={role: _signed_in(user) for role, user in users.items()},
        own={"visit": own, "move_in": own.move_in, "change_request": own_change},
        others={"visit": other, "move_in": other.move_in, "change_request": other_change},
        values={
            "import_id": str(upload.id),
            "code": "ar",
            "file_format": "csv",
            "app_label": "visits",
            "url": "no-such-page/",
            "id": str(coordinator.pk),
            "content_type_id": str(ContentType.objects.get_for_model(Visit).id),
        },
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def healthy_services(monkeypatch):
    # /healthz answers 503 while no worker reports; whether the services are up is not an access question.
    monkeypatch.setattr(health, "_broker", lambda: {"ok": True})
    monkeypatch.setattr(health, "_worker", lambda: {"ok": True})


# --- Filling in a URL --------------------------------------------------------------------------------


def _admin_object_id(route: str) -> str:
    """The pk of some row of the model an admin route is about ("admin/tenants/household/<...>")."""
    _admin, app_label, model_name, *_rest = route.split("/")
    row = apps.get_model(app_label, model_name).objects.order_by("pk").values_list("pk", flat=True).first()
    return str(row if row is not None else 0)


def url_arguments(pattern: Pattern, world: World, *, others: bool, token_valid: bool = True) -> dict[str, str]:
    mine = world.others if others else world.own
    visit: Visit = mine["visit"]  # type: ignore[assignment]
    arguments = {}
    for name in pattern.kwargs:
        if name == "visit_id":
            value = visit.id
        elif name == "move_in_id":
            value = mine["move_in"].id  # type: ignore[attr-defined]
        elif name == "household_id":
            value = mine["move_in"].household_id  # type: ignore[attr-defined]
        elif name == "change_request_id":
            value = mine["change_request"].id  # type: ignore[attr-defined]
        elif name == "pk":
            value = (visit if "visit" in pattern.key else mine["move_in"]).id  # type: ignore[attr-defined]
        elif name == "token" and pattern.key == "household_page":
            value = household_token(visit) if token_valid else "not-a-valid-token"
        elif name == "token" and pattern.key == "visits:calendar_feed":
            value = visit.visitor.calendar_token if token_valid else "0" * 43
        elif name == "token" and pattern.key == "password_reset_confirm":
            user = get_user_model().objects.get(pk=visit.visitor.user_id)
            value = default_token_generator.make_token(user) if token_valid else "bad-token"
        elif name == "uidb64":
            value = urlsafe_base64_encode(force_bytes(visit.visitor.user.pk))
        elif name == "secret":
            value = sms_status_secret() if token_valid else "wrong-secret"
        elif name == "object_id" and pattern.key == "admin:view_on_site":
            value = visit.id
        elif name == "object_id":
            value = _admin_object_id(pattern.route)
        else:
            value = world.values[name]
        arguments[name] = str(value)
    return arguments


def url_of(pattern: Pattern, arguments: dict[str, str]) -> str:
    if pattern.name:
        return reverse(pattern.key, kwargs=arguments)
    # An unnamed pattern (the API's catch-all, the admin's redirects): built from its route.
    path = GROUP.sub(lambda match: arguments[match[1]], pattern.route)
    path = CONVERTER.sub(lambda match: arguments[match[1]], path)
    path = "/" + path.replace("^", "").replace("$", "").replace(".*", "no-such-page/")
    assert resolve(path).route == pattern.route.replace("^", ""), f"{path} does not reach {pattern.route}"
    return path


# --- Asking -----------------------------------------------------------------------------------------------


def request(client: Client, method: str, url: str, *, api: bool, multipart: bool = False):
    if method == "GET":
        return client.get(url)
    if method == "POST" and (not api or multipart):
        return client.post(url, {})
    return client.generic(method, url, "{}", content_type="application/json")


def client_for(role: str, world: World) -> Client:
    client = Client()
    if role != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions["visitor" if role == "visitor_others" else role]
    return client


def _is_login(response) -> bool:
    location = response.get("Location", "")
    return any(location.split("?")[0].endswith(reverse(name)) for name in ("login", "admin:login"))


def check(response, expected: Outcome, method: str) -> str | None:
    """None when the response is the expected outcome, else what it was."""
    status = response.status_code
    redirect = status in (301, 302, 303)
    writes = method not in ("GET", "HEAD")
    ok = {
        Outcome.ALLOW: 200 <= status < 300 or (writes and (status == 400 or (redirect and not _is_login(response)))),
        Outcome.REDIRECT: redirect and not _is_login(response),
        Outcome.LOGIN: redirect and _is_login(response),
        Outcome.NOT_FOUND: status == 404,
        Outcome.FORBIDDEN: status == 403,
        Outcome.UNAUTHORIZED: status == 401,
        Outcome.METHOD: status == 405,
        Outcome.ADMIN: status < 500 and not (redirect and _is_login(response)),
    }[expected]
    if ok:
        return None
    return f"{status} {response.get('Location', '')}".strip()


# --- The walk -----------------------------------------------------------------------------------------


def walked_roles(pattern: Pattern) -> tuple[str, ...]:
    """The roles walked: "visitor_others" only where the URL names something of a visitor's (else it is "visitor")."""
    return ROLES if pattern.names_owned else tuple(role for role in ROLES if role != "visitor_others")


def cases() -> Iterator:
    for pattern in PATTERNS:
        rule = access_matrix.decision(pattern)
        if rule is None:
            yield pytest.param(pattern, None, "GET", "anonymous", None, id=f"{pattern.key} has no decision")
        elif isinstance(rule, TokenRoute):
            for token, outcomes in (("valid", rule.valid), ("invalid", rule.invalid)):
                for method, outcome in outcomes.items():
                    for role in walked_roles(pattern):
                        yield pytest.param(
                            pattern, outcome, method, role, token, id=f"{pattern.key} {method} {token} token {role}"
                        )
        else:
            for method, row in rule.methods.items():
                for role, outcome in zip(ROLES, row, strict=True):
                    if role not in walked_roles(pattern):
                        continue
                    yield pytest.param(pattern, outcome, method, role, None, id=f"{pattern.key} {method} {role}")


@pytest.mark.django_db
@pytest.mark.parametrize(("pattern", "expected", "method", "role", "token"), list(cases()))
def test_each_role_gets_what_the_matrix_says(world, pattern, expected, method, role, token):
    if expected is None:
        pytest.fail(
            f"The URL pattern {pattern.key!r} ({pattern.route}) has no access decision: add a line to "
            "MATRIX in hemkunskap/access_matrix.py saying what each role gets."
        )
    client = client_for(role, world)
    arguments = url_arguments(pattern, world, others=role == "visitor_others", token_valid=token != "invalid")
    url = url_of(pattern, arguments)
    response = request(client, method, url, api=pattern.is_api, multipart="import" in pattern.key)

    problem = check(response, expected, method)
    assert problem is None, f"{method} {url} as {role}: expected {expected}, got {problem}"


def test_every_url_pattern_has_a_decision():
    missing = [pattern.key for pattern in PATTERNS if access_matrix.decision(pattern) is None]
    assert not missing, f"Add a line to MATRIX in hemkunskap/access_matrix.py for: {', '.join(missing)}"


def test_every_decision_is_about_a_url_pattern_that_exists():
    keys = {pattern.key for pattern in PATTERNS} | {f"{pattern.namespace}:*" for pattern in PATTERNS}
    assert not set(access_matrix.MATRIX) - keys


def test_every_api_operation_and_every_web_method_is_decided():
    undecided = []
    for pattern in PATTERNS:
        rule = access_matrix.decision(pattern)
        if not isinstance(rule, Route) or pattern.namespace == "admin":
            continue
        wanted = set(pattern.api_methods) if pattern.is_api else set(WEB_METHODS)
        undecided += [f"{pattern.key} {method}" for method in sorted(wanted - set(rule.methods))]
    assert not undecided, f"Decide these in hemkunskap/access_matrix.py: {', '.join(undecided)}"


def test_where_nothing_is_owned_the_other_visitor_column_repeats_the_visitor_column():
    # It is not walked there (it would be the same request): the table must not claim something else.
    mismatched = [
        f"{key} {method}"
        for key, rule in access_matrix.MATRIX.items()
        if isinstance(rule, Route)
        for method, row in rule.methods.items()
        if row[1] != row[2]
        and not any(pattern.names_owned for pattern in PATTERNS if access_matrix.decision(pattern) is rule)
    ]
    assert not mismatched
