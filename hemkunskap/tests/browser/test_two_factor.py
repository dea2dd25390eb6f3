"""Two-factor authentication in a real browser (issue 7): a coordinator made to set up an authenticator at
first login, and the code asked for at the next. Each page is checked with axe-core, and the
Content-Security-Policy shows here: a violation is a console error, which fails the test (conftest.py)."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from visits.roles import sync_roles

from .support import PASSWORD, check_accessibility, login

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_sets_up_two_factor_at_first_login_and_enters_a_code_at_the_next(
    page: Page, live_server, settings
) -> None:
    settings.TWO_FACTOR_REQUIRED = True
    sync_roles()
    user = User.objects.create_user(username="cecilia", password=PASSWORD, first_name="Cecilia", last_name="Lund")
    user.groups.add(Group.objects.get(name="coordinator"))

    login(page, live_server, user)

    # Sent to set up before any page; the QR code is an SVG image the policy allows (data:).
    assert page.url.startswith(f"{live_server.url}{reverse('two_factor:setup')}")
    expect(page.locator("img.qr-code")).to_be_visible()
    assert page.locator("img.qr-code").evaluate("img => img.naturalWidth > 0")
    check_accessibility(page)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    page.locator("#id_code").fill(f"{code:06d}")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # The recovery codes, once; then on to the queue.
    codes = sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(codes) == 10
    assert sorted(page.locator(".recovery-codes code").all_inner_texts()) == codes
    check_accessibility(page)
    with page.expect_navigation():
        page.locator("main a.btn-primary").click()
    assert page.url == f"{live_server.url}{reverse('coordination:queue')}"
    check_accessibility(page)

    # Next time: the password, then a code (a recovery code here: the app's code of this half-minute is
    # used up).
    with page.expect_navigation():
        page.get_by_role("button", name="Logga ut").click()
    check_accessibility(page)
    login(page, live_server, user)
    assert page.url.startswith(f"{live_server.url}{reverse('two_factor:verify')}")
    check_accessibility(page)
    page.locator("#id_code").fill(codes[0])
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url == f"{live_server.url}{reverse('coordination:queue')}"
    check_accessibility(page)
