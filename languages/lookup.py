"""Finding languages by what people write: a code (ar, prs), or a name in Swedish, English or the language
itself (arabiska, Arabic, العربية), in any case. Files from property systems, the move-in form and the API
all resolve through here, so a name accepted in one is accepted in all."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from languages.models import Language

# Between languages in one cell: "arabiska, somaliska", "ar/so", "arabiska och engelska".
LIST_SEPARATORS = re.compile(r"\s*(?:[,;/|+&]|\boch\b|\band\b)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Resolved:
    codes: list[str]  # in the order given, without repeats
    unknown: list[str]  # entries as written


class LanguageIndex:
    """Every language's code and names, loaded in one query: resolving thousands of file rows costs no
    more queries than resolving one."""

    def __init__(self, rows: Iterable[tuple[str, str, str, str, str]]) -> None:
        rows = list(rows)
        self._codes: dict[str, str] = {}
        # Codes first, so a name never shadows a code.
        for code, iso639_3, *_names in rows:
            self._codes.setdefault(code, code)
            if iso639_3:
                self._codes.setdefault(iso639_3.lower(), code)
        for code, _iso639_3, *names in rows:
            for name in names:
                if name:
                    self._codes.setdefault(name.casefold(), code)

    @classmethod
    def load(cls) -> "LanguageIndex":
        return cls(Language.objects.values_list("code", "iso639_3", "name_sv", "name_en", "name_native"))

    def code_for(self, entry: str) -> str | None:
        return self._codes.get(entry.strip().casefold())

    def resolve(self, entries: Sequence[str]) -> Resolved:
        codes: list[str] = []
        unknown: list[str] = []
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            code = self.code_for(entry)
            if code is None:
                unknown.append(entry)
            elif code not in codes:
                codes.append(code)
        return Resolved(codes=codes, unknown=unknown)


def split_languages(text: str) -> list[str]:
    """One cell's languages, most preferred first."""
    return [part for part in LIST_SEPARATORS.split(text or "") if part.strip()]
