import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from hemkunskap.errors import DATABASE_ERRORS, database_unavailable
from visits.roles import LANGUAGE_SESSION_KEY

logger = logging.getLogger(__name__)


class SwedishFirstLocaleMiddleware(LocaleMiddleware):
    """Swedish unless the user chose another language with the switcher: kept on their account (brought
    into the session at login) and, for anyone not signed in, in a cookie.

    Django's own middleware would follow the browser's Accept-Language, so a staff member whose browser
    happens to be set to English would get English without asking for it. The housing company works in
    Swedish; English is there for those who choose it.
    """

    def process_request(self, request: HttpRequest) -> None:
        session = getattr(request, "session", None)
        chosen = (session.get(LANGUAGE_SESSION_KEY) if session is not None else None) or request.COOKIES.get(
            settings.LANGUAGE_COOKIE_NAME, ""
        )
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class DatabaseUnavailableMiddleware:
    """A view (or its template) that fails because the database went away answers 503 with Retry-After
    (hemkunskap.errors), not a stack trace; the next request connects afresh (CONN_HEALTH_CHECKS), so the
    site recovers by itself once the database is back. Failures before any view, in other middleware,
    reach hemkunskap.errors.server_error instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        # One line, no traceback: during an outage every request ends here.
        first_line = (str(exception).strip().splitlines() or [""])[0]
        logger.warning(
            "Database unavailable: %s %s answered 503 (%s: %s)",
            request.method,
            request.path,
            exception.__class__.__name__,
            first_line,
        )
        return database_unavailable(request)
