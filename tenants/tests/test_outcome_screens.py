"""The coordinator's import screen with a file of outcomes: choose what the file holds, see every row's fate,
confirm, and the same file again changes nothing. The page is asked for in English (the language cookie)."""

import datetime

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tenants.models import DisturbanceCase, MoveInImport
from visits.tests.conftest import stockholm

NOW = stockholm(2026, 3, 2, 8)
FILE = (
    "Kontraktsnummer;Ärendenummer;Datum;Kategori;Befogad\r\n"
    "K-00001;S-1;2025-10-03;buller;ja\r\n"
    "K-00001;S-2;2025-10-09;avfall;nej\r\n"
    "K-404;S-3;2025-10-09;avfall;nej\r\n"
).encode("cp1252")


@pytest.fixture(autouse=True)
def frozen_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def upload(client, **fields):
    file = SimpleUploadedFile("störningar.csv", FILE, content_type="text/csv")
    return client.post(reverse("coordination:import"), {"file": file, **fields})


@pytest.mark.django_db
def test_a_coordinator_previews_and_confirms_a_file_of_disturbance_cases(coordinator_client, make_move_in):
    make_move_in("ar", move_in_date=datetime.date(2025, 9, 1))  # K-00001
    form = coordinator_client.get(reverse("coordination:import")).content.decode()
    assert 'value="disturbance_cases"' in form

    response = upload(coordinator_client, kind="disturbance_cases")

    assert response.status_code == 302
    assert not DisturbanceCase.objects.exists()
    html = coordinator_client.get(response.url).content.decode()
    assert 'id="import-kind">Disturbance cases<' in html
    assert 'id="count-new">2<' in html and 'id="count-rejected">1<' in html
    assert "Contract number K-404 is not known. Import the move-in first." in html
    assert "New rows" in html

    coordinator_client.post(response.url, {"action": "confirm"})

    assert sorted(DisturbanceCase.objects.values_list("case_number", flat=True)) == ["S-1", "S-2"]
    assert MoveInImport.objects.get().status == MoveInImport.Status.SAVED
    again = coordinator_client.get(upload(coordinator_client, kind="disturbance_cases").url).content.decode()
    assert 'id="count-unchanged">2<' in again and 'id="count-new">0<' in again
    listing = coordinator_client.get(reverse("coordination:import")).content.decode()
    assert "Disturbance cases" in listing
