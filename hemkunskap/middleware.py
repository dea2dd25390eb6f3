from django.conf import settings
from django.http import HttpRequest
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from visits.roles import LANGUAGE_SESSION_KEY


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
