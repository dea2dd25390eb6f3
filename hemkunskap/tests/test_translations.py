"""The interface is Swedish by default with English selectable, and the committed translations are
complete and compiled (a fresh machine needs no gettext to show Swedish)."""

import gettext
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.urls import reverse

PO = Path(settings.BASE_DIR) / "locale" / "sv" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def test_every_swedish_message_is_translated_and_none_is_fuzzy():
    catalog = read_po(PO.open("rb"))
    untranslated = [m.id for m in catalog if m.id and not (all(m.string) if m.pluralizable else m.string)]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []


def test_the_committed_mo_file_matches_the_po_file():
    # Run `make messages` after editing the .po file: a stale .mo shows users old or English text.
    compiled = gettext.GNUTranslations(MO.open("rb"))
    catalog = read_po(PO.open("rb"))
    for message in catalog:
        if not message.id or message.pluralizable:
            continue
        assert compiled.gettext(message.id) == message.string, message.id


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(username="admin", password=None))
    return client


def test_the_admin_speaks_swedish_by_default(admin_client):
    page = admin_client.get(reverse("admin:tenants_movein_changelist")).content.decode()

    assert "Inflyttningar" in page
    assert 'lang="sv"' in page


def test_a_user_can_switch_the_interface_to_english(admin_client):
    admin_client.post(reverse("set_language"), {"language": "en", "next": "/"})

    page = admin_client.get(reverse("admin:tenants_movein_changelist")).content.decode()

    assert "Move-ins" in page
    assert "Inflyttningar" not in page


def test_a_bad_phone_number_is_refused_in_swedish_and_nothing_is_saved(admin_client):
    from tenants.models import Household

    response = admin_client.post(
        reverse("admin:tenants_household_add"),
        {
            "contact_name": "Amina Yusuf",
            "phone": "12",
            "size": "2",
            "language_preferences-TOTAL_FORMS": "0",
            "language_preferences-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "”12” är inte ett telefonnummer." in response.content.decode()
    assert not Household.objects.exists()


def test_a_browser_set_to_english_still_gets_swedish_until_the_user_chooses(admin_client):
    url = reverse("admin:tenants_movein_changelist")

    page = admin_client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()

    assert "Inflyttningar" in page


def test_a_users_choice_of_english_follows_them_to_their_next_login(client, django_user_model):
    from visits.models import StaffPreference

    user = django_user_model.objects.create_superuser(username="karin", password=None)
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert StaffPreference.objects.get(user=user).language == "en"

    another_device = Client()  # no cookie, a new session
    another_device.force_login(user)
    page = another_device.get(reverse("admin:tenants_movein_changelist")).content.decode()

    assert "Move-ins" in page


def test_a_visitor_not_signed_in_chooses_a_language_for_this_browser_only(client, db):
    from visits.models import StaffPreference

    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    assert "Log in" in client.get(reverse("login")).content.decode()
    assert not StaffPreference.objects.exists()
