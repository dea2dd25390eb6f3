"""django-axes' two hooks (settings: AXES_CLIENT_IP_CALLABLE, AXES_LOCKOUT_CALLABLE): whose address a login
attempt came from, and the page a locked-out login gets."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_ip(request: HttpRequest) -> str | None:
    """The address the login came from. Behind our TLS proxy (BEHIND_TLS_PROXY) REMOTE_ADDR is the proxy
    itself, which would put every user on one address; the proxy appends the address it saw to
    X-Forwarded-For, so its last entry is the one to trust (any earlier entry is whatever the client sent)."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """Too many failed logins for one user name from one address: say so, and when to try again."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
