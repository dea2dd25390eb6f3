import re
from io import StringIO

import pycountry
import pytest
from babel import Locale
from django.core.management import call_command

from languages.catalogue import OVERRIDES, build_catalogue
from languages.models import Language
from languages.services import SyncResult, sync_languages

# The languages the welcome visits are most often held in, and Sweden's national minority languages,
# as the migration must have loaded them: code -> (Swedish, English, native, direction).
NEEDED = {
    "ar": ("arabiska", "Arabic", "العربية", "rtl"),
    "prs": ("dari", "Dari", "دری", "rtl"),
    "fa": ("persiska", "Persian", "فارسی", "rtl"),
    "ps": ("pashto", "Pashto", "پښتو", "rtl"),
    "ckb": ("centralkurdiska (sorani)", "Central Kurdish (Sorani)", "کوردیی ناوەندی", "rtl"),
    "kmr": ("nordkurdiska (kurmanji)", "Northern Kurdish (Kurmanji)", "kurmancî", "ltr"),
    "ti": ("tigrinja", "Tigrinya", "ትግርኛ", "ltr"),
    "so": ("somaliska", "Somali", "Soomaali", "ltr"),
    "am": ("amhariska", "Amharic", "አማርኛ", "ltr"),
    "uk": ("ukrainska", "Ukrainian", "українська", "ltr"),
    "bs": ("bosniska", "Bosnian", "bosanski", "ltr"),
    "ur": ("urdu", "Urdu", "اردو", "rtl"),
    "ug": ("uiguriska", "Uyghur", "ئۇيغۇرچە", "rtl"),
    "fi": ("finska", "Finnish", "suomi", "ltr"),
    "fit": ("meänkieli", "Meänkieli", "meänkieli", "ltr"),
    "se": ("nordsamiska", "Northern Sami", "davvisámegiella", "ltr"),
    "yi": ("jiddisch", "Yiddish", "ייִדיש", "rtl"),
    "rom": ("romani chib", "Romani", "romani čhib", "ltr"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("code", NEEDED)
def test_it_has_loaded_the_languages_households_speak_with_three_names_and_a_direction(code: str) -> None:
    language = Language.objects.get(code=code)

    assert (language.name_sv, language.name_en, language.name_native, language.direction) == NEEDED[code]


@pytest.mark.django_db
def test_it_has_loaded_every_iso639_language_cldr_names() -> None:
    codes = set(Language.objects.values_list("code", flat=True))

    assert len(codes) > 180
    assert all(re.fullmatch(r"[a-z]{2,3}", code) for code in codes)
    # 639-1 languages are stored under their two-letter code, not (also) their three-letter one.
    assert {"sv", "en", "de", "zh", "sma", "smj"} <= codes
    assert not {"swe", "ara", "sme"} & codes
    # ISO 639's codes for "no language" are not languages a household can speak.
    assert not {"und", "zxx", "mul", "mis"} & codes


@pytest.mark.django_db
def test_it_has_the_iso639_3_code_of_every_language() -> None:
    assert not Language.objects.filter(iso639_3="").exists()
    assert Language.objects.get(code="ar").iso639_3 == "ara"
    assert Language.objects.get(code="prs").iso639_3 == "prs"


@pytest.mark.django_db
def test_it_changes_nothing_when_synced_again() -> None:
    before = list(Language.objects.values_list())

    first = sync_languages()
    second = sync_languages()

    assert first == second == SyncResult(created=0, updated=0, unchanged=len(before))
    assert list(Language.objects.values_list()) == before


@pytest.mark.django_db
def test_it_corrects_a_name_changed_since_the_last_sync() -> None:
    Language.objects.filter(code="ps").update(name_sv="afghanska")

    result = sync_languages()

    assert (result.created, result.updated) == (0, 1)
    assert Language.objects.get(code="ps").name_sv == "pashto"


@pytest.mark.django_db
def test_it_adds_a_language_missing_from_the_table() -> None:
    # Gagauz: no message texts or households refer to it, so it can go.
    Language.objects.filter(code="gag").delete()

    result = sync_languages()

    assert (result.created, result.updated) == (1, 0)
    assert Language.objects.get(code="gag").name_en == "Gagauz"


@pytest.mark.django_db
def test_it_keeps_a_language_the_catalogue_does_not_know() -> None:
    # A local-use code someone added by hand; households may already refer to it.
    Language.objects.create(code="qaa", name_sv="lokalt språk", name_en="Local language")

    sync_languages()

    assert Language.objects.filter(code="qaa").exists()


@pytest.mark.django_db
def test_the_command_reports_what_it_changed() -> None:
    Language.objects.filter(code="gag").delete()  # referenced by nothing
    Language.objects.filter(code="fa").update(direction="ltr")
    out = StringIO()

    call_command("sync_languages", stdout=out)

    assert "1 created, 1 updated" in out.getvalue()
    assert Language.objects.get(code="fa").is_rtl


def test_the_overrides_win_over_cldr() -> None:
    catalogue = {row.code: row for row in build_catalogue()}

    assert Locale("sv").languages["ps"] == "afghanska"  # what CLDR says, and what Swedish authorities don't
    assert catalogue["ps"].name_sv == "pashto"
    assert Locale("en").languages["rom"] == "Romany"
    assert catalogue["rom"].name_en == "Romani"
    # Fields an override leaves out stay CLDR's.
    assert catalogue["ps"].name_en == Locale("en").languages["ps"]
    assert catalogue["ckb"].name_native == Locale("ckb").languages["ckb"]


def test_the_overrides_name_real_iso639_3_languages() -> None:
    """A typo in the override table would otherwise add a language nobody can find."""
    for code, fields in OVERRIDES.items():
        entry = pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)
        assert entry is not None, code
        assert set(fields) <= {"name_sv", "name_en", "name_native", "direction"}, code


def test_the_dari_override_agrees_with_cldrs_name_for_persian_in_afghanistan() -> None:
    dari = next(row for row in build_catalogue() if row.code == "prs")

    assert (dari.name_sv, dari.name_en) == (Locale("sv").languages["fa_AF"], Locale("en").languages["fa_AF"])
    assert dari.name_native == Locale("fa").languages["fa_AF"]


def test_it_derives_the_direction_of_a_language_without_a_locale_from_its_script() -> None:
    catalogue = {row.code: row for row in build_catalogue()}

    assert catalogue["glk"].direction == "rtl"  # Gilaki, written in Arabic script; CLDR has no Gilaki locale
    assert catalogue["sh"].direction == "ltr"
