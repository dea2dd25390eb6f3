"""Which text a household gets, and the text itself: the fallback chain over its languages, approved
texts before drafts, and dates written the way the language writes them (CLDR, through Babel)."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from django.conf import settings

from languages.models import Language
from messaging.models import MessageTemplate
from visits.scheduling import STOCKHOLM

# Languages without a CLDR locale of their own, written like a close one (Dari like Afghan Persian).
LOCALE_FOR = {"prs": "fa_AF", "kmr": "ku"}


def fallback_chain(household_languages: Sequence[str]) -> list[str]:
    """The household's preferred language, its other languages, then Swedish."""
    return list(dict.fromkeys([*household_languages, settings.LANGUAGE_CODE]))


def choose_template(kind: str, household_languages: Sequence[str]) -> MessageTemplate | None:
    """The first approved text along the fallback chain; only when none is approved, the first draft."""
    chain = fallback_chain(household_languages)
    texts = {t.language_id: t for t in MessageTemplate.objects.filter(kind=kind, language__in=chain)}
    in_order = [texts[code] for code in chain if code in texts]
    return next((t for t in in_order if t.approved), in_order[0] if in_order else None)


def babel_locale(code: str) -> Locale:
    try:
        return Locale.parse(LOCALE_FOR.get(code, code))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    language: Language


def render(template: MessageTemplate, values: dict[str, str]) -> Rendered:
    # Placeholders were checked when the text was saved; a missing value renders empty, never crashes.
    safe = _Values(values)
    return Rendered(template.subject.format_map(safe), template.body.format_map(safe), template.language)


def when(start: datetime.datetime, language_code: str) -> dict[str, str]:
    """{day}, {date} and {time} of a visit in the language's own words, in Stockholm time."""
    local = start.astimezone(STOCKHOLM)
    locale = babel_locale(language_code)
    return {
        "day": format_date(local.date(), "EEEE", locale=locale),
        "date": format_date(local.date(), "d MMMM", locale=locale),
        "time": format_time(local.time(), "HH:mm", locale=locale),
    }


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return ""
