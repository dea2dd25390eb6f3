"""The seed message texts: what the data migration leaves in the database, and the checks a text in any
language must pass (placeholders, script, length) whoever wrote it."""

import re

import pytest

from languages.models import Language
from messaging.models import HOUSEHOLD_KINDS, PLACEHOLDERS, Kind, MessageTemplate, placeholders_in
from messaging.seed_texts import APPROVED_LANGUAGES, SEED_TEXTS, approve_demo_texts, create_missing_texts
from visits import roles
from visits.demo import STAFF
from visits.models import Visitor, VisitorLanguage

NINE_LANGUAGES = {"sv", "en", "ar", "ckb", "so", "ti", "am", "prs", "fa"}
VISIT_KINDS = (Kind.INVITATION, Kind.RESCHEDULED, Kind.REMINDER)
# Who approves what in the demo: the visitor who speaks the language (visits.demo.STAFF).
DEMO_APPROVERS = {
    "ar": "visitor1",
    "ckb": "visitor1",
    "ti": "visitor2",
    "am": "visitor2",
    "so": "visitor2",
    "prs": "visitor3",
    "fa": "visitor3",
}
# Realistic values, with a household link as long as a signed token makes it.
SAMPLE = {
    "household": "Haddad",
    "day": "onsdag",
    "date": "14 maj",
    "time": "10.30",
    "visitor": "Nasrin",
    "address": "Hagebygatan 101, lgh 1102",
    "link": "https://hemkunskap.example.se/h/AbCdEf123456XyZ",
    "phone": "011-21 16 00",
    "fault_report": "hyresbostader.se/felanmalan",
    "contacts": "Kundservice 011-21 16 00",
}
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06FF]")
ETHIOPIC = re.compile(r"[\u1200-\u137F]")
LATIN_LETTER = re.compile(r"[A-Za-z]")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def without_placeholders(text: str) -> str:
    return PLACEHOLDER.sub("", text)


def seed_rows() -> list[MessageTemplate]:
    return list(MessageTemplate.objects.filter(language_id__in=NINE_LANGUAGES).select_related("language"))


# --- The data migration ----------------------------------------------------------------------------------


def test_the_seed_covers_every_household_kind_in_the_nine_languages() -> None:
    assert set(SEED_TEXTS) == {(kind.value, code) for kind in HOUSEHOLD_KINDS for code in NINE_LANGUAGES}
    assert len(SEED_TEXTS) == 45


@pytest.mark.django_db
def test_after_migrate_all_45_texts_are_in_the_database_as_written() -> None:
    rows = {(row.kind, row.language_id): (row.subject, row.body) for row in seed_rows()}
    assert rows == SEED_TEXTS


@pytest.mark.django_db
def test_every_seed_text_passes_the_checks_a_coordinators_edit_must_pass() -> None:
    rows = seed_rows()
    assert len(rows) == 45
    for row in rows:
        row.full_clean()  # raises ValidationError on an unknown placeholder or broken braces


@pytest.mark.django_db
def test_only_swedish_and_english_start_approved_and_by_nobody_in_particular() -> None:
    approved = {row.language_id for row in seed_rows() if row.approved}
    assert approved == APPROVED_LANGUAGES == {"sv", "en"}
    assert all(row.approved_by_id is None for row in seed_rows())


# --- What the texts say -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "code"), sorted(SEED_TEXTS))
def test_a_text_uses_only_its_kinds_placeholders_and_fills_in(kind: str, code: str) -> None:
    subject, body = SEED_TEXTS[(kind, code)]
    assert placeholders_in(subject) | placeholders_in(body) <= PLACEHOLDERS[kind]
    assert "{" not in body.format(**SAMPLE) and "}" not in body.format(**SAMPLE)


@pytest.mark.parametrize("code", sorted(NINE_LANGUAGES))
def test_it_tells_when_who_and_where_to_change_the_time(code: str) -> None:
    for kind in VISIT_KINDS:
        _subject, body = SEED_TEXTS[(kind.value, code)]
        assert {"day", "date", "time", "visitor", "link", "phone"} <= placeholders_in(body), (kind, code)
        # The link ends its line: a phone would read a full stop after it as part of the address, and in a
        # right-to-left text a sentence after it would be reordered around it.
        assert re.search(r"\{link\}$", body, re.MULTILINE), (kind, code)
    _subject, cancelled = SEED_TEXTS[(Kind.CANCELLED.value, code)]
    assert {"day", "date", "time", "phone"} <= placeholders_in(cancelled)
    _subject, thanks = SEED_TEXTS[(Kind.THANK_YOU.value, code)]
    assert {"phone", "fault_report", "visitor"} <= placeholders_in(thanks)


@pytest.mark.parametrize(("kind", "code"), sorted(SEED_TEXTS))
def test_it_fits_an_sms_or_two(kind: str, code: str) -> None:
    subject, body = SEED_TEXTS[(kind, code)]
    assert len(subject) <= 60
    # Invitations carry the list of what the visit is about; every other kind stays near 300.
    assert len(body.format(**SAMPLE)) <= (420 if kind == Kind.INVITATION else 300)


@pytest.mark.parametrize("code", ["ar", "ckb", "prs", "fa"])
def test_arabic_sorani_dari_and_persian_are_in_arabic_script(code: str) -> None:
    for kind in HOUSEHOLD_KINDS:
        subject, body = SEED_TEXTS[(kind.value, code)]
        for text in (subject, body):
            assert ARABIC_SCRIPT.search(text) and not LATIN_LETTER.search(without_placeholders(text)), (kind, code)
            if code == "ar":
                assert not re.search("[\u06cc\u06a9]", text), "Arabic writes ي and ك, not the Persian ی and ک"
            else:
                assert not re.search("[\u064a\u0643]", text), f"{code} writes ی and ک, not the Arabic ي and ك"


@pytest.mark.parametrize("code", ["ti", "am"])
def test_tigrinya_and_amharic_are_in_ethiopic_script(code: str) -> None:
    for kind in HOUSEHOLD_KINDS:
        subject, body = SEED_TEXTS[(kind.value, code)]
        for text in (subject, body):
            assert ETHIOPIC.search(text) and not LATIN_LETTER.search(without_placeholders(text)), (kind, code)


def test_somali_is_in_latin_letters() -> None:
    for kind in HOUSEHOLD_KINDS:
        subject, body = SEED_TEXTS[(kind.value, "so")]
        for text in (subject, body):
            assert text.isascii() and LATIN_LETTER.search(text), kind


# --- Creating missing texts never overwrites ---------------------------------------------------------------


@pytest.mark.django_db
def test_it_never_overwrites_an_edited_text_and_recreates_only_a_missing_one() -> None:
    edited = MessageTemplate.objects.get(kind=Kind.INVITATION, language_id="sv")
    edited.body = "Hej! {visitor} kommer {day} kl. {time}. Byt tid: {link}"
    edited.approved = False
    edited.save()
    MessageTemplate.objects.filter(kind=Kind.REMINDER, language_id="ar").delete()

    assert create_missing_texts(MessageTemplate, Language) == 1
    assert create_missing_texts(MessageTemplate, Language) == 0

    edited.refresh_from_db()
    assert edited.body == "Hej! {visitor} kommer {day} kl. {time}. Byt tid: {link}"
    assert not edited.approved
    recreated = MessageTemplate.objects.get(kind=Kind.REMINDER, language_id="ar")
    assert (recreated.subject, recreated.body) == SEED_TEXTS[("reminder", "ar")]
    assert not recreated.approved
    assert MessageTemplate.objects.filter(language_id__in=NINE_LANGUAGES).count() == 45


@pytest.mark.django_db
def test_it_skips_a_language_the_database_does_not_have() -> None:
    MessageTemplate.objects.filter(language_id="ckb").delete()
    Language.objects.filter(code="ckb").delete()

    assert create_missing_texts(MessageTemplate, Language) == 0
    assert not MessageTemplate.objects.filter(language_id="ckb").exists()


# --- The demo's approvals ----------------------------------------------------------------------------------


@pytest.fixture
def demo_team(django_user_model) -> dict[str, Visitor]:
    """The three demo visitors as visits.demo.STAFF describes them, without the rest of the demo."""
    team = {}
    for member in STAFF:
        if member.role != roles.VISITOR:
            continue
        user = django_user_model.objects.create_user(
            username=member.username, first_name=member.first_name, last_name=member.last_name
        )
        visitor = Visitor.objects.create(user=user, weekly_capacity=member.weekly_capacity)
        VisitorLanguage.objects.bulk_create(
            VisitorLanguage(visitor=visitor, language_id=code, level=level) for code, level in member.languages
        )
        team[member.username] = visitor
    return team


@pytest.mark.django_db
def test_approve_demo_texts_has_each_language_approved_by_the_demo_visitor_who_speaks_it(
    demo_team, django_assert_num_queries
) -> None:
    # the visitors' languages with their users, then one update per language
    with django_assert_num_queries(1 + len(DEMO_APPROVERS)):
        assert approve_demo_texts() == 35

    rows = seed_rows()
    assert all(row.approved for row in rows)
    approvers = {row.language_id: row.approved_by.username if row.approved_by else None for row in rows}
    assert approvers == {**DEMO_APPROVERS, "sv": None, "en": None}
    # A second run finds nothing left to approve.
    assert approve_demo_texts() == 0


@pytest.mark.django_db
def test_approve_demo_texts_leaves_an_already_approved_text_to_its_approver(demo_team, django_user_model) -> None:
    speaker = django_user_model.objects.create_user(username="amal")
    MessageTemplate.objects.filter(kind=Kind.INVITATION, language_id="ar").update(approved=True, approved_by=speaker)

    assert approve_demo_texts() == 34
    assert MessageTemplate.objects.get(kind=Kind.INVITATION, language_id="ar").approved_by == speaker


@pytest.mark.django_db
def test_approve_demo_texts_approves_nothing_without_the_demo_team(django_user_model) -> None:
    # Somebody who speaks Arabic but is not one of the demo logins.
    user = django_user_model.objects.create_user(username="amal")
    visitor = Visitor.objects.create(user=user)
    VisitorLanguage.objects.create(visitor=visitor, language_id="ar", level=VisitorLanguage.Level.NATIVE)

    assert approve_demo_texts() == 0
    assert {row.language_id for row in seed_rows() if row.approved} == {"sv", "en"}
