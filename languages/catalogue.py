"""The language catalogue: every ISO 639 language CLDR names, as rows for the Language table.

Names and writing directions come from CLDR through Babel and ISO 639-3 codes from pycountry, so that
upgrading those libraries (then running `manage.py sync_languages`) is how the list is maintained. The
only hand-written data is OVERRIDES below, for the few languages where CLDR is missing or wrong for a
Swedish housing company; every line says why it is there.

Pure: no database, no Django. Both the data migration and services.sync_languages() build from here.
"""

import functools
import re
from dataclasses import dataclass, replace

import pycountry
from babel import Locale, localedata
from babel.core import UnknownLocaleError, get_global

LTR = "ltr"
RTL = "rtl"

# The model's check constraint: ISO 639-1 (two letters) or ISO 639-3 (three).
CODE_PATTERN = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class LanguageRow:
    """One row of languages.Language, with the model's field names."""

    code: str
    iso639_3: str
    name_sv: str
    name_en: str
    name_native: str
    direction: str


# Corrections and additions to CLDR, by code. A code CLDR already names is patched field by field; a code
# CLDR does not name must give at least name_sv and name_en. Swedish names lower-case, as Swedish writes them.
OVERRIDES: dict[str, dict[str, str]] = {
    # Dari: CLDR knows it only as the regional variant "fa_AF" of Persian, not by its own ISO 639-3 code,
    # and Swedish authorities and interpreter services treat it as a language of its own.
    "prs": {"name_sv": "dari", "name_en": "Dari", "name_native": "دری", "direction": RTL},
    # Hazaragi (Afghanistan): a language of its own in Migrationsverket's language analyses and interpreter
    # lists; not in CLDR.
    "haz": {"name_sv": "hazaragi", "name_en": "Hazaragi", "name_native": "هزارگی", "direction": RTL},
    # Pashto: CLDR's Swedish name "afghanska" is outdated and ambiguous (it reads as "Afghan", easily
    # taken for Dari); Migrationsverket, Skolverket and Språkrådet say "pashto".
    "ps": {"name_sv": "pashto"},
    # Kurmanji (Northern Kurdish): CLDR has no entry for kmr (its "ku" locale is Kurmanji under the
    # macrolanguage code). Households and interpreter services say "kurmanji", so both names are kept to
    # be found by either; the native spelling follows CLDR's own "kurdî (kurmancî)".
    "kmr": {
        "name_sv": "nordkurdiska (kurmanji)",
        "name_en": "Northern Kurdish (Kurmanji)",
        "name_native": "kurmancî",
        "direction": LTR,
    },
    # Sorani (Central Kurdish): CLDR's "centralkurdiska" is right but nobody searches for it; households and
    # interpreter services say "sorani". Native name and right-to-left direction stay CLDR's.
    "ckb": {"name_sv": "centralkurdiska (sorani)", "name_en": "Central Kurdish (Sorani)"},
    # Assyrian Neo-Aramaic (Sureth), widely spoken in Sweden and taught as "assyriska" (Skolverket); not in
    # CLDR, which has only Classical Syriac (syr). Written in the Syriac alphabet, right to left.
    "aii": {"name_sv": "assyriska", "name_en": "Assyrian Neo-Aramaic", "name_native": "ܣܘܪܝܬ", "direction": RTL},
    # Romani: a Swedish national minority language, which the minority-languages act (SFS 2009:724) calls
    # "romani chib"; CLDR's English "Romany" is dated, and CLDR has no Romani locale to give a native name.
    "rom": {"name_sv": "romani chib", "name_en": "Romani", "name_native": "romani čhib"},
    # Meänkieli: a Swedish national minority language; the Swedish state's English texts call it
    # "Meänkieli", not CLDR's "Tornedalen Finnish"; CLDR has no Meänkieli locale to give a native name.
    "fit": {"name_en": "Meänkieli", "name_native": "meänkieli"},
}


def build_catalogue() -> list[LanguageRow]:
    """Every ISO 639 language CLDR names in Swedish and English, plus OVERRIDES, sorted by code.

    Loading some 300 CLDR locales takes a moment, so the result is computed once per process.
    """
    return list(_build_catalogue())


@functools.cache
def _build_catalogue() -> tuple[LanguageRow, ...]:
    swedish = Locale("sv").languages
    english = Locale("en").languages
    rows: dict[str, LanguageRow] = {}
    for code in sorted(swedish.keys() & english.keys()):
        iso639_3 = _iso639_3(code)
        # Skips region and script variants (en_GB, zh_Hant) and ISO 639's special codes that name no
        # language: mul (multiple), und (undetermined), zxx (no linguistic content), mis (uncoded).
        if not CODE_PATTERN.match(code) or iso639_3 is None:
            continue
        rows[code] = LanguageRow(
            code=code,
            iso639_3=iso639_3,
            name_sv=swedish[code],
            name_en=english[code],
            name_native=_native_name(code),
            direction=_direction(code),
        )
    for code, fields in OVERRIDES.items():
        if code in rows:
            rows[code] = replace(rows[code], **fields)
        else:
            rows[code] = LanguageRow(
                code=code,
                iso639_3=_iso639_3(code) or "",
                name_sv=fields["name_sv"],
                name_en=fields["name_en"],
                name_native=fields.get("name_native", ""),
                direction=fields.get("direction", LTR),
            )
    return tuple(rows[code] for code in sorted(rows))


def _iso639_3(code: str) -> str | None:
    """The ISO 639-3 code for a 639-1 or 639-3 code, or None when ISO 639 has it as no language."""
    entry = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
    if entry is None or entry.type == "S":  # S: special (mul, und, zxx, mis)
        return None
    return entry.alpha_3


def _native_name(code: str) -> str:
    """The language's name in its own CLDR locale; empty when CLDR has no locale for it."""
    # localedata.exists() rather than Locale.parse(): parse() follows aliases, and would name kmr by "ku"
    # or tl by "fil".
    if not localedata.exists(code):
        return ""
    return Locale(code).languages.get(code, "")


def _direction(code: str) -> str:
    """The writing direction of the language's own CLDR locale or, without one, of its usual script.

    CLDR's likely subtags give the usual script (glk -> glk_Arab_IR); the likely locale for that script
    (und_Arab -> ar_Arab_EG) has a character order, which is that script's direction.
    """
    if localedata.exists(code):
        return _character_order(code)
    likely_subtags = get_global("likely_subtags")
    parts = likely_subtags.get(code, "").split("_")
    if len(parts) < 2:
        return LTR
    script_locale = likely_subtags.get(f"und_{parts[1]}")
    try:
        return _character_order(script_locale) if script_locale else LTR
    except UnknownLocaleError:  # an ancient script (Phoenician, Avestan) with no living locale
        return LTR


def _character_order(locale_code: str) -> str:
    return RTL if Locale.parse(locale_code).character_order == "right-to-left" else LTR
