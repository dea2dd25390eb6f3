"""Login and transport (issue 7): lockout after failed logins per user name and address, two-factor
authentication for staff, strong passwords and the Content-Security-Policy.

Pages are read in English (the language cookie), so that the assertions hold whatever the Swedish
translations say."""

import base64
import datetime
import hashlib
import logging
import re
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.lockout import client_ip
from hemkunskap.tests.api_helpers import staff, token_header
from hemkunskap.tests.browser.support import PASSWORD as BROWSER_TEST_PASSWORD
from visits.demo import DEFAULT_PASSWORD as DEMO_PASSWORD

PASSWORD = "Hem-och-nyckel-2026"
OFFICE = "192.0.2.10"
ELSEWHERE = "198.51.100.7"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # These tests log in and fail to log in dozens of times; Django's real hasher takes most of a second
    # each time on purpose. What is tested here does not depend on which hasher checks the password.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def with_password(user):
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


def log_in(client: Client, username: str, password: str = PASSWORD, address: str = OFFICE):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def code_from(device: TOTPDevice) -> str:
    """What the authenticator app shows now."""
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():0{device.digits}d}"


def signed_in_as(client: Client) -> str | None:
    user_id = client.session.get("_auth_user_id")
    return None if user_id is None else str(user_id)


# --- Lockout ----------------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_that_user_out_from_that_address_only(client):
    amal = with_password(staff("amal", "coordinator"))
    bashir = with_password(staff("bashir", "coordinator"))

    answers = [log_in(client, "amal", "wrong-password").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]

    assert answers == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    # Now even the right password is refused for amal from the office...
    assert log_in(client, "amal").status_code == 429
    assert signed_in_as(client) is None
    # ...but a colleague at the same address logs in,
    colleague = Client()
    assert log_in(colleague, "bashir").status_code == 302
    assert signed_in_as(colleague) == str(bashir.pk)
    # and amal can from another address.
    elsewhere = Client()
    assert log_in(elsewhere, "amal", address=ELSEWHERE).status_code == 302
    assert signed_in_as(elsewhere) == str(amal.pk)


def test_the_lockout_page_says_what_happened_and_when_to_try_again(client, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    with_password(staff("amal", "visitor"))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = log_in(client, "amal", "wrong-password")

    page = response.content.decode()
    assert response.status_code == 429
    assert "Login paused" in page
    assert "too many failed attempts to log in with this user name from your network" in page
    assert "paused for 15 minutes" in page


def test_the_lock_lifts_after_the_cool_off(client, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    amal = with_password(staff("amal", "visitor"))
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "amal", "wrong-password")

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        response = log_in(client, "amal")

    assert response.status_code == 302
    assert signed_in_as(client) == str(amal.pk)


def test_a_failed_login_never_logs_or_stores_the_password(client, caplog):
    with_password(staff("amal", "visitor"))
    secret_attempt = "Mitt-hemliga-försök-77"

    with caplog.at_level(logging.DEBUG):
        log_in(client, "amal", secret_attempt)

    assert "AXES" in caplog.text  # axes did log the failure...
    assert secret_attempt not in caplog.text  # ...without the password
    (attempt,) = AccessAttempt.objects.all()
    assert secret_attempt not in attempt.post_data
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("amal", OFFICE, 1)


def test_behind_the_tls_proxy_the_address_is_the_one_the_proxy_saw(settings):
    request = RequestFactory().post(
        "/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66, " + OFFICE
    )  # the first entry is whatever the client claimed; the proxy appended the last

    settings.BEHIND_TLS_PROXY = False
    assert client_ip(request) == "10.0.0.2"
    settings.BEHIND_TLS_PROXY = True
    assert client_ip(request) == OFFICE


# --- Two-factor authentication --------------------------------------------------------------------------


def with_authenticator(user) -> tuple[TOTPDevice, list[str]]:
    """The user's authenticator, set up as the set-up page does, and their recovery codes."""
    pending = services.pending_authenticator(user=user)
    device, codes = services.confirm_authenticator(user=user, code=code_from(pending))
    # A code is accepted once: the next one the tests enter must come from a later 30-second step.
    device.last_t = -1
    device.save(update_fields=["last_t"])
    return device, codes


def test_after_the_password_a_user_with_an_authenticator_must_enter_a_code(client):
    coordinator = with_password(staff("cecilia", "coordinator"))
    device, _codes = with_authenticator(coordinator)

    log_in(client, "cecilia")
    queue = reverse("coordination:queue")
    response = client.get(queue)

    assert response.status_code == 302
    assert response["Location"] == reverse("two_factor:verify") + "?next=%2Fcoordinator%2F"

    response = client.post(reverse("two_factor:verify"), {"code": code_from(device), "next": queue})

    assert response.status_code == 302 and response["Location"] == queue
    assert client.get(queue).status_code == 200


def test_a_wrong_code_is_refused_and_the_pages_stay_closed(client):
    coordinator = with_password(staff("cecilia", "coordinator"))
    device, _codes = with_authenticator(coordinator)
    right = code_from(device)
    wrong = "000000" if right != "000000" else "111111"
    log_in(client, "cecilia")

    response = client.post(reverse("two_factor:verify"), {"code": wrong})

    assert response.status_code == 200
    assert "That code was not accepted" in response.content.decode()
    assert client.get(reverse("coordination:queue"))["Location"].startswith(reverse("two_factor:verify"))
    assert client.get(reverse("api-docs")).status_code == 302
    assert client.get("/api/v1/languages/").status_code == 403  # the API with this session: refused too


def test_a_recovery_code_works_once(client):
    coordinator = with_password(staff("cecilia", "coordinator"))
    _device, codes = with_authenticator(coordinator)
    log_in(client, "cecilia")

    # As people type it: in capitals, with a space.
    response = client.post(reverse("two_factor:verify"), {"code": f" {codes[0][:4].upper()} {codes[0][4:]} "})

    assert response.status_code == 302
    queue = client.get(reverse("coordination:queue"))
    assert queue.status_code == 200
    assert "You used a recovery code; 9 are left." in queue.content.decode()
    assert services.recovery_codes_left(user=coordinator) == 9

    client.post(reverse("logout"))
    log_in(client, "cecilia")
    response = client.post(reverse("two_factor:verify"), {"code": codes[0]})

    assert response.status_code == 200
    assert "That code was not accepted" in response.content.decode()
    assert client.get(reverse("coordination:queue")).status_code == 302


def test_setting_up_shows_a_qr_code_then_ten_recovery_codes_once(client):
    visitor = with_password(staff("amal", "visitor"))
    client.force_login(visitor)

    page = client.get(reverse("two_factor:setup")).content.decode()
    (pending,) = TOTPDevice.objects.filter(user=visitor)
    assert not pending.confirmed
    assert 'src="data:image/svg+xml;base64,' in page
    assert "otpauth://totp/Hemkunskap%3Aamal?secret=" in page
    # Opening the page again shows the same secret (the app may already have scanned it).
    assert client.get(reverse("two_factor:setup")).content.decode().count(pending.config_url.split("secret=")[1][:32])

    response = client.post(reverse("two_factor:setup"), {"code": code_from(pending)})

    page = response.content.decode()
    codes = set(StaticToken.objects.filter(device__user=visitor).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in page for code in codes)
    assert "no-store" in response["Cache-Control"]
    pending.refresh_from_db()
    assert pending.confirmed
    # This session entered a code to set it up: it goes on without being asked again.
    assert client.get(reverse("visits:today")).status_code != 302


def test_a_wrong_first_code_sets_nothing_up(client):
    visitor = with_password(staff("amal", "visitor"))
    client.force_login(visitor)
    client.get(reverse("two_factor:setup"))
    pending = TOTPDevice.objects.get(user=visitor)
    wrong = "000000" if code_from(pending) != "000000" else "111111"

    response = client.post(reverse("two_factor:setup"), {"code": wrong})

    assert response.status_code == 200
    assert "That code was not accepted" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=visitor, confirmed=True).exists()
    assert not StaticToken.objects.filter(device__user=visitor).exists()


def test_a_new_phone_replaces_the_old_authenticator_and_its_recovery_codes():
    coordinator = staff("cecilia", "coordinator")
    old_device, old_codes = with_authenticator(coordinator)

    new_device, new_codes = with_authenticator(coordinator)

    assert list(TOTPDevice.objects.filter(user=coordinator)) == [new_device]
    assert set(StaticToken.objects.filter(device__user=coordinator).values_list("token", flat=True)) == set(new_codes)
    assert not set(old_codes) & set(new_codes)
    assert old_device.id != new_device.id


def test_a_password_alone_cannot_replace_the_authenticator(client):
    coordinator = with_password(staff("cecilia", "coordinator"))
    device, _codes = with_authenticator(coordinator)
    log_in(client, "cecilia")  # the password, no code

    response = client.get(reverse("two_factor:setup"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor:verify"))
    assert list(TOTPDevice.objects.filter(user=coordinator)) == [device]


@pytest.mark.parametrize(
    "make_user",
    [
        pytest.param(lambda: staff("cecilia", "coordinator"), id="coordinator"),
        pytest.param(lambda: staff("mikael", "manager"), id="manager"),
        pytest.param(lambda: staff("root", is_superuser=True, is_staff=True), id="superuser"),
    ],
)
def test_when_required_staff_without_an_authenticator_are_sent_to_set_one_up(client, settings, make_user):
    settings.TWO_FACTOR_REQUIRED = True
    client.force_login(make_user())

    for url in (reverse("home"), reverse("dashboard:index"), reverse("admin:index"), reverse("password_change")):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("two_factor:setup") + "?next="), url
    page = client.get(reverse("two_factor:setup")).content.decode()
    assert "Set it up to continue" in page
    # Changing the language and logging out still work.
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    client.post(reverse("logout"))
    assert signed_in_as(client) is None


def test_when_required_sessions_opened_before_are_sent_to_set_up_too(client, settings):
    client.force_login(staff("cecilia", "coordinator"))
    session = client.session
    del session["two_factor"]  # as a session from before this deployment
    session.save()
    settings.TWO_FACTOR_REQUIRED = True

    response = client.get(reverse("coordination:queue"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor:setup"))


def test_when_required_visitors_are_not_forced(client, settings, amal):
    settings.TWO_FACTOR_REQUIRED = True
    client.force_login(amal.user)

    assert client.get(reverse("visits:today")).status_code == 200


def test_when_not_required_staff_go_straight_in(client, settings):
    settings.TWO_FACTOR_REQUIRED = False
    client.force_login(staff("cecilia", "coordinator"))

    assert client.get(reverse("coordination:queue")).status_code == 200


def test_an_htmx_request_is_sent_to_the_code_page_as_a_whole_page(client):
    coordinator = with_password(staff("cecilia", "coordinator"))
    with_authenticator(coordinator)
    log_in(client, "cecilia")

    response = client.get(reverse("coordination:queue"), HTTP_HX_REQUEST="true")

    assert response["HX-Redirect"].startswith(reverse("two_factor:verify"))


def test_api_token_requests_need_no_code(client, settings):
    settings.TWO_FACTOR_REQUIRED = True
    integration = staff("fastighetssystem", "coordinator")
    with_authenticator(integration)
    without_device = staff("import", "coordinator")

    for user in (integration, without_device):
        response = client.get("/api/v1/languages/", **token_header(user))
        assert response.status_code == 200, user


# --- Passwords --------------------------------------------------------------------------------------------


def test_short_common_and_look_alike_passwords_are_refused():
    amal = staff("amalhaddad", "visitor", first_name="Amal", last_name="Haddad")

    for password, why in [
        ("Kort-lösen1", "too short"),
        ("password1234", "too common"),
        ("amalhaddad12", "too similar"),
        ("849302716453", "entirely numeric"),
    ]:
        with pytest.raises(ValidationError) as refused:
            validate_password(password, user=amal)
        assert why in " ".join(refused.value.messages), password


def test_the_demo_and_browser_test_passwords_are_strong_enough():
    for password in (DEMO_PASSWORD, BROWSER_TEST_PASSWORD, PASSWORD):
        validate_password(password)  # raises if refused


# --- Content-Security-Policy --------------------------------------------------------------------------------


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in (p.strip() for p in header.split(";")) if part}


STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def test_every_page_has_a_strict_content_security_policy(client, amal):
    client.force_login(staff("cecilia", "coordinator"))
    pages = [reverse("coordination:queue"), reverse("dashboard:index")]
    responses = [Client().get(reverse("login"))] + [client.get(url) for url in pages]
    visitor = Client()
    visitor.force_login(amal.user)
    responses.append(visitor.get(reverse("visits:today")))

    for response in responses:
        assert response.status_code == 200
        assert STRICT.items() <= directives(response).items()
        assert response["X-Frame-Options"] == "DENY"


def test_the_api_docs_allow_only_their_own_inline_style_by_its_hash(client):
    client.force_login(staff("cecilia", "coordinator"))

    response = client.get(reverse("api-docs"))

    page = response.content.decode()
    (style,) = re.findall(r"<style>(.*?)</style>", page, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = directives(response)
    assert policy["style-src"] == f"'self' 'sha256-{digest}'"
    assert policy["script-src"] == "'self'"
    assert "<script>" not in page  # the start-up script comes from ?script


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"  # a script without src (json_script is data)
    r"|<style[\s>]"
    r"|\sstyle=\"|\son[a-z]+=\""
    r"|javascript:"
    r"|\shx-on"
)


def test_no_template_has_inline_script_or_style():
    offenders = []
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            if "messaging" in template.parts and template.name.startswith("household_email"):
                continue  # an e-mail, not a page: mail clients need inline styles, and no CSP applies
            for number, line in enumerate(template.read_text().splitlines(), 1):
                if INLINE.search(line):
                    offenders.append(f"{template.relative_to(settings.BASE_DIR)}:{number}: {line.strip()}")

    assert offenders == []
