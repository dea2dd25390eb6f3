"""The coordinator's import screens: upload, preview with every row's fate, confirm (issue 6's "done when":
a Windows-1252, semicolon-separated export with bad rows gives a clear report; the same file again
changes nothing)."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from tenants.models import MoveIn, MoveInImport

SOON = timezone.localdate() + datetime.timedelta(days=10)
HEADER = "Kontraktsnummer;Inflyttningsdatum;Gatuadress;Postnummer;Område;Lgh nr;Kontaktperson;Telefon;Språk;Tolk"
ROWS = [
    f"K-1;{SOON:%Y-%m-%d};Söderköpingsvägen 5;602 23;Hageby;1201;Åsa Öberg;070-123 45 67;arabiska;ja",
    f"K-2;{SOON:%d/%m/%Y};Lindövägen 12;60223;Hageby;1202;Yonas T;0701234568;tigrinja, arabiska;nej",
    "K-3;31/02/2026;Lindövägen 12;602 23;Hageby;1203;Per;;arabiska;nej",
    f"K-4;{SOON:%Y-%m-%d};Lindövägen 12;602 23;Hageby;1204;Ali;;påhittiska;nej",
]


def excel_export(*rows: str) -> bytes:
    return ("\r\n".join([HEADER, *rows]) + "\r\n").encode("cp1252")


@pytest.fixture
def coordinator_client(client, django_user_model):
    user = django_user_model.objects.create_user(username="cecilia")
    user.groups.add(Group.objects.get_or_create(name="coordinator")[0])
    client.force_login(user)
    return client


def upload(client, data: bytes, *, name: str = "inflyttningar.csv", **fields: object):
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(reverse("coordination:import"), {"file": file, **fields})


@pytest.mark.django_db
def test_a_coordinator_sees_every_rows_fate_before_anything_is_saved(coordinator_client, apartment, languages):
    response = upload(coordinator_client, excel_export(*ROWS))

    assert response.status_code == 302
    assert MoveIn.objects.count() == 0
    page = coordinator_client.get(response.url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="count-new">2<' in html
    assert 'id="count-rejected">2<' in html
    # Row 4 is K-3 (the header is row 1): its date; row 5 is K-4: its language, named.
    assert "Inflyttningsdatum" in html and "31/02/2026" in html
    assert "Språk" in html and "påhittiska" in html
    assert "Spara de godkända raderna" in html  # Swedish first


@pytest.mark.django_db
def test_confirming_saves_the_good_rows_and_the_same_file_again_changes_nothing(
    coordinator_client, apartment, languages
):
    preview = upload(coordinator_client, excel_export(*ROWS))
    confirmed = coordinator_client.post(preview.url, {"action": "confirm"}, follow=True)

    assert confirmed.status_code == 200
    assert set(MoveIn.objects.values_list("contract_number", flat=True)) == {"K-1", "K-2"}
    assert MoveIn.objects.get(contract_number="K-1").household.contact_name == "Åsa Öberg"
    assert MoveInImport.objects.get().status == MoveInImport.Status.SAVED
    assert bytes(MoveInImport.objects.get().content) == b""  # the personal data goes once saved

    again = coordinator_client.get(upload(coordinator_client, excel_export(*ROWS)).url).content.decode()
    assert 'id="count-new">0<' in again and 'id="count-unchanged">2<' in again

    coordinator_client.post(preview.url, {"action": "confirm"})  # a second press of the old button
    assert MoveIn.objects.count() == 2


@pytest.mark.django_db
def test_all_or_nothing_offers_no_save_when_rows_are_rejected(coordinator_client, apartment, languages):
    preview = upload(coordinator_client, excel_export(*ROWS), all_or_nothing="on")

    html = coordinator_client.get(preview.url).content.decode()
    assert 'value="confirm"' not in html
    coordinator_client.post(preview.url, {"action": "confirm"})
    assert MoveIn.objects.count() == 0


@pytest.mark.django_db
def test_discarding_saves_nothing_and_drops_the_file(coordinator_client, apartment, languages):
    preview = upload(coordinator_client, excel_export(*ROWS[:2]))

    coordinator_client.post(preview.url, {"action": "discard"})
    coordinator_client.post(preview.url, {"action": "confirm"})

    assert MoveIn.objects.count() == 0
    assert MoveInImport.objects.get().status == MoveInImport.Status.DISCARDED


@pytest.mark.django_db
def test_an_unreadable_or_oversized_file_is_refused_with_a_message(coordinator_client, settings, languages):
    settings.IMPORT_MAX_BYTES = 1024
    too_big = upload(coordinator_client, b"a;b\n" * 1000)
    not_a_sheet = upload(coordinator_client, b"\x89PNG\r\n\x1a\n\x00\x00\x00", name="bild.png")

    for response in (too_big, not_a_sheet):
        assert response.status_code == 200
        assert "invalid-feedback" in response.content.decode()
    assert "1,0" in too_big.content.decode() or "1.0" in too_big.content.decode()
    assert MoveInImport.objects.count() == 0


@pytest.mark.django_db
def test_only_coordinators_reach_the_import(client, django_user_model):
    visitor = django_user_model.objects.create_user(username="amal")
    visitor.groups.add(Group.objects.get_or_create(name="visitor")[0])

    assert client.get(reverse("coordination:import")).status_code == 302  # to the login page
    client.force_login(visitor)
    assert client.get(reverse("coordination:import")).status_code == 404
