from dataclasses import dataclass

from django.db import transaction

from languages.catalogue import LanguageRow, build_catalogue
from languages.models import Language

# Every field the catalogue owns, i.e. all but the primary key.
CATALOGUE_FIELDS = ["iso639_3", "name_sv", "name_en", "name_native", "direction"]


@dataclass(frozen=True)
class SyncResult:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def sync_languages() -> SyncResult:
    """Make the Language table match the catalogue: add new languages, correct changed names.

    Run after upgrading Babel or pycountry, or after editing catalogue.OVERRIDES. Never deletes: households
    and visitors refer to languages, and a language CLDR drops is still one that someone speaks.
    """
    catalogue = build_catalogue()
    existing = Language.objects.in_bulk()
    new: list[Language] = []
    changed: list[Language] = []
    for row in catalogue:
        language = existing.get(row.code)
        if language is None:
            new.append(_language(row))
        elif _row(language) != row:
            for field in CATALOGUE_FIELDS:
                setattr(language, field, getattr(row, field))
            changed.append(language)
    Language.objects.bulk_create(new)
    Language.objects.bulk_update(changed, CATALOGUE_FIELDS)
    return SyncResult(created=len(new), updated=len(changed), unchanged=len(catalogue) - len(new) - len(changed))


def _language(row: LanguageRow) -> Language:
    return Language(code=row.code, **{field: getattr(row, field) for field in CATALOGUE_FIELDS})


def _row(language: Language) -> LanguageRow:
    return LanguageRow(code=language.code, **{field: getattr(language, field) for field in CATALOGUE_FIELDS})
