"""What a request gets while the database is away (PostgreSQL restarting, a failover): a short 503 page in
the user's language, or `{"detail": ...}` for the API, with Retry-After, never a stack trace.

Two ways in, because Django hands over a failure in two places: the DatabaseUnavailableMiddleware
(hemkunskap.middleware) sees what a view or its template raised, and `server_error` (handler500 in
hemkunskap.urls) sees the rest, e.g. the session read by the locale middleware before any view runs.
The second works only with DEBUG off: with it on, Django shows its debug page there instead.
"""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

# What Django raises when the connection is refused, cut or already closed.
DATABASE_ERRORS = (OperationalError, InterfaceError)
# PostgreSQL restarts in seconds; a failover takes up to a minute or so.
RETRY_AFTER_SECONDS = 30


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON for the API and /healthz, a page without the site's navigation (which
    needs the user, so the database) for everything else."""
    with translation.override(_language(request)):
        if request.path.startswith(("/api/", "/healthz")):
            response: HttpResponse = JsonResponse(
                {"detail": _("The service is temporarily unavailable. Please try again in a minute.")}, status=503
            )
        else:
            retry_url = request.get_full_path() if request.method == "GET" else ""
            response = HttpResponse(render_to_string("503.html", {"retry_url": retry_url}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)  # a proxy must not keep serving the outage once it is over
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the 503 page when the uncaught exception was the database going away, else Django's own
    500. Django calls it while handling the exception, so sys.exception() is the one that got here."""
    if isinstance(sys.exception(), DATABASE_ERRORS):
        return database_unavailable(request)
    return defaults.server_error(request)


def _language(request: HttpRequest) -> str:
    """The language the locale middleware chose, if it got that far; else the cookie or Swedish. Never the
    session: it lives in the database. (The thread's active language may still be the previous request's.)"""
    supported = {code for code, _name in settings.LANGUAGES}
    for code in (getattr(request, "LANGUAGE_CODE", None), request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)):
        if code in supported:
            return code
    return settings.LANGUAGE_CODE
