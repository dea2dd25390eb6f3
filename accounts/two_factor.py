"""Two-factor authentication: an authenticator app on the phone (TOTP), with ten single-use recovery codes.

After the password (Django's login view) a user who has an authenticator is only half signed in: the
session is theirs, but TwoFactorMiddleware lets it reach nothing but the code page, logging out and the
language switcher until a code is entered (django-otp then marks the session verified). With
TWO_FACTOR_REQUIRED (on by default in production) everyone who can see more than their own visits –
coordinators, managers, staff and superusers – is sent to set up an authenticator before any page. Visitors
may set one up; then they too enter a code at every login.

Whether the user has an authenticator and whether their role needs one is put in the session at login, so
that a page costs no extra query (like the roles for the navigation, a change shows at the next login).
A session verified by a code costs one query a page: django-otp reloads its device.

The API's integrations sign in with a token, not a session, and are let through.
"""

import base64
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from django_otp import user_has_device

from visits.roles import COORDINATOR, MANAGER

SESSION_KEY = "two_factor"
# Pages a half-signed-in session may always reach (view names).
OPEN_VIEWS = {"login", "logout", "set_language", "healthz"}


def needs_two_factor(user: AbstractBaseUser) -> bool:
    """Does this user's role call for a second factor (when TWO_FACTOR_REQUIRED is on)?"""
    return bool(user.is_staff or user.is_superuser or user.groups.filter(name__in=[COORDINATOR, MANAGER]).exists())


def remember_at_login(sender: object, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any) -> None:
    """user_logged_in: note in the session what TwoFactorMiddleware needs to know on every page."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[SESSION_KEY] = {"device": user_has_device(user), "role": needs_two_factor(user)}


def remember_device(request: HttpRequest) -> None:
    """The user has just set up an authenticator: from now on this session, too, knows it."""
    state = dict(request.session.get(SESSION_KEY) or {"role": needs_two_factor(request.user)})
    state["device"] = True
    request.session[SESSION_KEY] = state


def pending_step(request: HttpRequest) -> str | None:
    """The page this session must go to first ("verify" or "setup"), or None."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    state = session.get(SESSION_KEY)
    if state is None and auth.SESSION_KEY in session and request.user.is_authenticated:
        # A session signed in before this check existed (or by some path without the login signal): work it
        # out once, so that a deployment turning on TWO_FACTOR_REQUIRED reaches sessions already open.
        remember_at_login(sender=None, request=request, user=request.user)
        state = session[SESSION_KEY]
    if not state:
        return None
    if state.get("device"):
        # Only sessions of users with an authenticator come here: the device query is theirs alone.
        return None if request.user.is_verified() else "verify"
    if state.get("role") and settings.TWO_FACTOR_REQUIRED:
        return "setup"
    return None


class TwoFactorMiddleware:
    """Keeps a session that owes a code (or an authenticator) on the page that asks for it."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        step = pending_step(request)
        if step is None:
            return None
        match = request.resolver_match
        if match is not None and (match.view_name in OPEN_VIEWS or match.view_name == f"two_factor:{step}"):
            return None
        if request.path_info.startswith("/api/v1/"):
            if request.META.get("HTTP_AUTHORIZATION", "").startswith("Token "):
                return None  # an integration: the token is its credential, not this session
            return JsonResponse({"detail": _("Enter your two-factor code in the app first.")}, status=403)
        url = reverse(f"two_factor:{step}")
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(url)  # the whole page, not a fragment swapped into it
        return HttpResponseRedirect(url)


def qr_code_data_uri(text: str) -> str:
    """`text` as a QR code: an SVG drawn here on the server, as a data: URI for an <img>."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathFillImage, border=4)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode("ascii")
