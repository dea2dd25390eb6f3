"""The two pages of two-factor authentication: the code after the password, and setting up an authenticator.
How they fit with the login and every other page: accounts/two_factor.py."""

from base64 import b32encode
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import services, two_factor
from accounts.forms import CodeForm


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the authenticator app, or a recovery code."""
    next_url = _next_url(request)
    if request.user.is_verified():
        return redirect(next_url)
    if not user_has_device(request.user):
        # An administrator removed the authenticator (a lost phone) since this session began.
        request.session.pop(two_factor.SESSION_KEY, None)
        return redirect(next_url)
    form = CodeForm(request.POST or None, recovery=True)
    if form.is_valid():
        device = services.verify_code(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            request.session.cycle_key()  # a new session key for the fully signed-in session
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = services.recovery_codes_left(user=request.user)
                messages.warning(
                    request,
                    ngettext(
                        "You used a recovery code; %(count)d is left. "
                        "Set up your authenticator again to get new codes.",
                        "You used a recovery code; %(count)d are left. "
                        "Set up your authenticator again to get new codes.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(next_url)
        form.add_error(
            "code",
            _(
                "That code was not accepted. Check that the time on your phone is right, wait for the next code "
                "and try again, or use one of your recovery codes."
            ),
        )
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (or move it to a new phone): scan the QR code, confirm with a first code,
    then note the recovery codes, shown this once."""
    next_url = _next_url(request)
    has_device = user_has_device(request.user)
    if has_device and not request.user.is_verified():
        # Replacing an authenticator takes a code from the current one (or a recovery code).
        return redirect(f"{resolve_url('two_factor:verify')}?{urlencode({'next': request.get_full_path()})}")
    form = CodeForm(request.POST or None)
    if form.is_valid():
        confirmed = services.confirm_authenticator(user=request.user, code=form.cleaned_data["code"])
        if confirmed is not None:
            device, codes = confirmed
            otp_login(request, device)
            two_factor.remember_device(request)
            return render(request, "registration/two_factor_recovery_codes.html", {"codes": codes, "next": next_url})
        form.add_error(
            "code",
            _("That code was not accepted. Check that the time on your phone is right and try the next code."),
        )
    device = services.pending_authenticator(user=request.user)
    secret = b32encode(device.bin_key).decode("ascii")
    context = {
        "form": form,
        "next": next_url,
        "has_device": has_device,
        "required": two_factor.pending_step(request) == "setup",
        "qr_code": two_factor.qr_code_data_uri(device.config_url),
        "otpauth_uri": device.config_url,
        # In groups of four, as authenticator apps expect it typed.
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "registration/two_factor_setup.html", context)


def _next_url(request: HttpRequest) -> str:
    """Where to go afterwards: `next` if it is a page of this site, else the start page."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)
