"""While the database is away every request gets a short 503 in the user's language, with Retry-After and no
stack trace: a page, the API and /healthz. Here the database "goes away" through Django's own hook around
every query (connection.execute_wrapper); hemkunskap/tests/test_faults_services.py does it for real, with
gunicorn and PostgreSQL behind a proxy that drops every connection."""

import json

import pytest
from django.db import OperationalError, connection
from django.test import Client

from hemkunskap.tests.api_helpers import staff, token_header

pytestmark = pytest.mark.django_db


def refuse(execute, sql, params, many, context):
    raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')


def answered_without_the_database(client: Client, path: str, **extra) -> object:
    with connection.execute_wrapper(refuse):
        return client.get(path, **extra)


@pytest.fixture
def client() -> Client:
    # As a browser sees it: the response, not the exception re-raised into the test.
    return Client(raise_request_exception=False)


def assert_a_short_503(response, content_type: str) -> None:
    assert response.status_code == 503
    assert response["Content-Type"].startswith(content_type)
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Traceback" not in body
    assert "OperationalError" not in body
    assert "5432" not in body


def test_a_signed_in_page_answers_503_in_swedish_when_the_session_cannot_be_read(client):
    client.force_login(staff("amal", "visitor"))

    # The locale middleware reads the session before any view: handler500's way (hemkunskap.errors).
    response = answered_without_the_database(client, "/visits/today/")

    assert_a_short_503(response, "text/html")
    body = response.content.decode()
    assert '<html lang="sv">' in body
    assert "Hemkunskap är inte tillgänglig just nu" in body
    assert 'href="/visits/today/"' in body  # "Try again"


def test_the_page_is_in_english_for_whoever_chose_english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(staff("amal", "visitor"))

    response = answered_without_the_database(client, "/visits/today/")

    assert_a_short_503(response, "text/html")
    assert "Hemkunskap is unavailable for a moment" in response.content.decode()


def test_a_view_that_needs_the_database_answers_503(client):
    # The login form checks the password in the view: the middleware's way.
    with connection.execute_wrapper(refuse):
        response = client.post("/login/", {"username": "amal", "password": "wrong-but-unchecked"})

    assert_a_short_503(response, "text/html")
    assert "Försök igen" not in response.content.decode()  # no "Try again" link that would POST again


def test_the_api_answers_503_as_json(client):
    headers = token_header(staff("fastighetssystemet", "coordinator"))

    response = answered_without_the_database(client, "/api/v1/move-ins/", **headers)

    assert_a_short_503(response, "application/json")
    assert json.loads(response.content) == {"detail": "Tjänsten är tillfälligt otillgänglig. Försök igen om en minut."}


def test_healthz_says_which_part_is_down(client):
    response = answered_without_the_database(client, "/healthz")

    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "OperationalError"}
