"""The SMS and e-mail channels, against real things: files on disk, an HTTP gateway stub and an SMTP stub on
loopback, Django's locmem and file e-mail backends, and the delivery-report view through the test client."""

import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from django.urls import include, path, reverse
from django.utils import timezone

from messaging import channels
from messaging.channels import (
    PermanentSendError,
    TransientSendError,
    send_email,
    send_sms,
    sms_status_secret,
    sms_status_url,
)
from messaging.models import Channel, Kind, Message

# These tests reach the delivery-report view at the prefix the project's URLconf gives it.
urlpatterns = [path("messaging/", include("messaging.urls"))]
pytestmark = pytest.mark.urls(__name__)

SITE_URL = "https://hemkunskap.example.se"
NUMBER = "+46701234567"


def free_port() -> int:
    """A port on loopback where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- A 46elks-style gateway on loopback ------------------------------------------------------------------


@dataclass
class GatewayRequest:
    path: str
    authorization: str
    content_type: str
    form: dict[str, str]
    at: float


# What the stub does with one request: answer (status, body), or call `hang_up`/`sleep_then` first.
Action = Callable[[BaseHTTPRequestHandler], None]


def answer(status: int, body: object = None) -> Action:
    def act(handler: BaseHTTPRequestHandler) -> None:
        payload = json.dumps(body).encode() if isinstance(body, dict) else str(body or "").encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json" if isinstance(body, dict) else "text/plain")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    return act


def sleep_then(seconds: float, action: Action) -> Action:
    def act(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        action(handler)

    return act


def hang_up(handler: BaseHTTPRequestHandler) -> None:
    handler.close_connection = True  # read the request, answer nothing


@dataclass
class Gateway:
    url: str
    script: list[Action] = field(default_factory=list)
    requests: list[GatewayRequest] = field(default_factory=list)


@pytest.fixture
def gateway(settings, monkeypatch) -> Iterator[Gateway]:
    """A real HTTP server on 127.0.0.1 that plays `gateway.script`, one action per request (then 200s), and
    SMS settings pointing at it. Retries are made quick, the timeout short."""
    state = Gateway(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            state.requests.append(
                GatewayRequest(
                    path=self.path,
                    authorization=self.headers.get("Authorization", ""),
                    content_type=self.headers.get("Content-Type", ""),
                    form=form,
                    at=time.monotonic(),
                )
            )
            action = state.script.pop(0) if state.script else answer(200, {"id": "s-default", "status": "created"})
            action(self)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/a1/sms"
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = state.url
    settings.SMS_HTTP_USER = "u0123456789"
    settings.SMS_HTTP_PASSWORD = "gateway-secret"
    settings.SMS_SENDER = "Hemkunskap"
    settings.SITE_URL = SITE_URL
    monkeypatch.setattr(channels, "SMS_HTTP_RETRY_DELAYS_SECONDS", (0.05, 0.1))
    monkeypatch.setattr(channels, "SMS_HTTP_TIMEOUT_SECONDS", 0.3)
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_the_http_backend_posts_the_message_with_basic_auth_and_returns_the_gateways_id(gateway):
    gateway.script = [answer(200, {"id": "s17a6dafb12d6b7f8c1e1b3ee", "status": "created", "parts": 1})]

    message_id = send_sms(to=NUMBER, body="Hej! Vi kommer på tisdag kl 10.")

    assert message_id == "s17a6dafb12d6b7f8c1e1b3ee"
    [request] = gateway.requests
    assert request.path == "/a1/sms"
    # base64 of "u0123456789:gateway-secret"
    assert request.authorization == "Basic dTAxMjM0NTY3ODk6Z2F0ZXdheS1zZWNyZXQ="
    assert request.content_type == "application/x-www-form-urlencoded"
    assert request.form == {
        "from": "Hemkunskap",
        "to": NUMBER,
        "message": "Hej! Vi kommer på tisdag kl 10.",
        "whendelivered": f"{SITE_URL}/messaging/sms-status/{sms_status_secret()}/",
    }


def test_the_http_backend_tries_again_after_5xx_with_growing_pauses(gateway):
    gateway.script = [
        answer(500, "Internal error"),
        answer(503, "Busy"),
        answer(200, {"id": "s-3", "status": "created"}),
    ]

    assert send_sms(to=NUMBER, body="Hej") == "s-3"

    assert len(gateway.requests) == 3
    first, second, third = (r.at for r in gateway.requests)
    assert second - first >= 0.05
    assert third - second >= 0.1


def test_the_http_backend_gives_up_after_three_5xx_as_transient(gateway):
    gateway.script = [answer(500, "Internal error")] * 3 + [answer(200, {"id": "never", "status": "created"})]

    with pytest.raises(TransientSendError, match="500") as caught:
        send_sms(to=NUMBER, body="Hej")

    assert len(gateway.requests) == 3
    assert caught.value.maybe_sent is False


def test_the_http_backend_does_not_retry_a_4xx_and_calls_it_permanent(gateway):
    gateway.script = [answer(400, "Invalid to number"), answer(200, {"id": "never", "status": "created"})]

    with pytest.raises(PermanentSendError, match=r"400.*Invalid to number"):
        send_sms(to=NUMBER, body="Hej")

    assert len(gateway.requests) == 1


def test_the_http_backend_calls_rate_limiting_transient_without_retrying_at_once(gateway):
    gateway.script = [answer(429, "Too many requests"), answer(200, {"id": "never", "status": "created"})]

    with pytest.raises(TransientSendError, match="429"):
        send_sms(to=NUMBER, body="Hej")

    assert len(gateway.requests) == 1


def test_the_error_names_no_password(gateway):
    gateway.script = [answer(401, "Unauthorized")]

    with pytest.raises(PermanentSendError) as caught:
        send_sms(to=NUMBER, body="Hej")

    assert "gateway-secret" not in str(caught.value)


def test_a_gateway_that_does_not_answer_in_time_is_transient_and_maybe_sent(gateway):
    # The request reached the gateway, so it may have been taken: no second request from this call.
    gateway.script = [sleep_then(1.0, answer(200, {"id": "late", "status": "created"}))]

    with pytest.raises(TransientSendError) as caught:
        send_sms(to=NUMBER, body="Hej")

    assert caught.value.maybe_sent is True
    assert len(gateway.requests) == 1


def test_a_gateway_that_hangs_up_after_the_request_is_transient_and_maybe_sent(gateway):
    gateway.script = [hang_up]

    with pytest.raises(TransientSendError) as caught:
        send_sms(to=NUMBER, body="Hej")

    assert caught.value.maybe_sent is True
    assert len(gateway.requests) == 1


def test_a_refused_connection_is_transient_and_never_sent(gateway, settings):
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{free_port()}/a1/sms"

    started = time.monotonic()
    with pytest.raises(TransientSendError, match="Could not reach") as caught:
        send_sms(to=NUMBER, body="Hej")

    assert caught.value.maybe_sent is False
    # Three tries, with the two pauses between them.
    assert time.monotonic() - started >= 0.15


def test_a_2xx_without_an_id_counts_as_sent(gateway):
    # The gateway took it: raising would make the dispatcher send it twice.
    gateway.script = [answer(200, "OK")]

    assert send_sms(to=NUMBER, body="Hej") == ""
    assert len(gateway.requests) == 1


def test_the_http_backend_without_credentials_is_permanent(gateway, settings):
    settings.SMS_HTTP_PASSWORD = ""

    with pytest.raises(PermanentSendError, match="SMS_HTTP_PASSWORD"):
        send_sms(to=NUMBER, body="Hej")

    assert gateway.requests == []


def test_the_status_url_is_absolute_and_carries_the_secret(settings):
    settings.SITE_URL = SITE_URL + "/"

    assert sms_status_url() == f"{SITE_URL}/messaging/sms-status/{sms_status_secret()}/"
    assert len(sms_status_secret()) == 32


# --- Console and file backends ---------------------------------------------------------------------------


def test_the_file_backend_writes_one_json_file_per_message(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")  # not there yet
    settings.SMS_SENDER = "Hemkunskap"

    first = send_sms(to=NUMBER, body="Hej! مرحبا")
    second = send_sms(to="+46731112233", body="Påminnelse")

    files = sorted((tmp_path / "sms").iterdir())
    assert [f.suffix for f in files] == [".json", ".json"]  # and no temporary files left behind
    assert first and second and first != second
    by_id = {f.stem.rsplit("-", 1)[1]: json.loads(f.read_text(encoding="utf-8")) for f in files}
    assert by_id[first]["to"] == NUMBER
    assert by_id[first]["from"] == "Hemkunskap"
    assert by_id[first]["body"] == "Hej! مرحبا"
    assert by_id[second]["to"] == "+46731112233"
    sent_at = timezone.datetime.fromisoformat(by_id[first]["sent_at"])
    assert abs(timezone.now() - sent_at) < timedelta(minutes=1)


def test_the_console_backend_prints_one_line(settings, capsys):
    settings.SMS_BACKEND = "console"

    assert send_sms(to=NUMBER, body="Hej!\nVi ses.") == ""

    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert NUMBER in out and "Vi ses." in out


@pytest.mark.parametrize("to", ["0701234567", "+0701234567", "46701234567", "+46 70 123 45 67", ""])
def test_a_number_not_in_e164_is_permanent_and_nothing_is_written(settings, tmp_path, to):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path)

    with pytest.raises(PermanentSendError):
        send_sms(to=to, body="Hej")

    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_sms_folder_is_transient(settings, tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "taken")

    with pytest.raises(TransientSendError):
        send_sms(to=NUMBER, body="Hej")


# --- E-mail ----------------------------------------------------------------------------------------------

ICS = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Hemkunskap//EN\r\nEND:VCALENDAR\r\n"


def test_an_email_carries_text_html_attachment_and_language(mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "Hemkunskap <hemkunskap@bostader.example.se>"

    message_id = send_email(
        to="familjen@example.com",
        subject="Välkommen hem",
        text="Vi kommer på tisdag.",
        html="<p>Vi kommer på <b>tisdag</b>.</p>",
        attachments=[("besok.ics", ICS, "text/calendar")],
        language="sv",
    )

    [sent] = mailoutbox
    assert sent.subject == "Välkommen hem"
    assert sent.to == ["familjen@example.com"]
    assert sent.from_email == "Hemkunskap <hemkunskap@bostader.example.se>"
    assert sent.body == "Vi kommer på tisdag."
    assert sent.alternatives[0][0] == "<p>Vi kommer på <b>tisdag</b>.</p>"
    parsed = message_from_bytes(sent.message().as_bytes())
    assert parsed["Message-ID"] == message_id
    assert message_id.endswith("@bostader.example.se>")
    assert parsed["Content-Language"] == "sv"
    [ics] = [part for part in parsed.walk() if part.get_filename() == "besok.ics"]
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_payload(decode=True).replace(b"\r\n", b"\n") == ICS.replace(b"\r\n", b"\n")


def test_a_right_to_left_email_without_html_gets_a_right_to_left_alternative(mailoutbox):
    send_email(to="familjen@example.com", subject="زيارة", text="مرحبا <بكم>\n\nنراكم", language="ar", rtl=True)

    [sent] = mailoutbox
    html = sent.alternatives[0][0]
    assert html.startswith('<div dir="rtl" lang="ar">')
    assert "&lt;بكم&gt;" in html
    assert sent.extra_headers["Content-Language"] == "ar"


def test_a_left_to_right_email_without_html_is_plain_text(mailoutbox):
    send_email(to="familjen@example.com", subject="Hej", text="Hej")

    assert mailoutbox[0].alternatives == []


def test_the_file_email_backend_writes_the_message(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)

    message_id = send_email(to="familjen@example.com", subject="Påminnelse", text="I morgon kl 10.")

    [written] = list(tmp_path.iterdir())
    content = written.read_text(encoding="utf-8")
    assert message_id in content
    assert "Content-Language: sv" in content


@pytest.mark.parametrize("to", ["not-an-address", "a@b@c.se", ""])
def test_an_invalid_address_is_permanent(mailoutbox, to):
    with pytest.raises(PermanentSendError):
        send_email(to=to, subject="Hej", text="Hej")

    assert mailoutbox == []


def test_a_newline_in_the_subject_is_permanent(mailoutbox):
    with pytest.raises(PermanentSendError):
        send_email(to="familjen@example.com", subject="Hej\nBcc: alla@example.com", text="Hej")


# A tiny SMTP server on loopback: it answers each command with the reply scripted for its verb.


@pytest.fixture
def smtp_server(settings) -> Iterator[dict[str, str]]:
    """SMTP settings pointing at a stub whose replies the test may change, e.g. replies["RCPT"] = "550 ..."."""
    replies = {"EHLO": "250 stub", "HELO": "250 stub", "MAIL": "250 OK", "RCPT": "250 OK", "DATA": "354 Go on"}
    replies |= {"END": "250 Queued", "RSET": "250 OK", "NOOP": "250 OK", "QUIT": "221 Bye"}

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 stub ESMTP\r\n")
            in_data = False
            for raw in self.rfile:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                if in_data:
                    if line == ".":
                        in_data = False
                        self.wfile.write(replies["END"].encode() + b"\r\n")
                    continue
                verb = line.split(" ", 1)[0].upper()
                reply = replies.get(verb, "502 Not implemented")
                self.wfile.write(reply.encode() + b"\r\n")
                in_data = verb == "DATA" and reply.startswith("354")
                if verb == "QUIT":
                    return

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.server_address[1]
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 2
    try:
        yield replies
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_smtp_accepting_the_message_returns_its_id(smtp_server):
    assert send_email(to="familjen@example.com", subject="Hej", text="Hej").startswith("<")


def test_smtp_refusing_the_recipient_for_good_is_permanent(smtp_server):
    smtp_server["RCPT"] = "550 5.1.1 No such user"

    with pytest.raises(PermanentSendError, match="550"):
        send_email(to="familjen@example.com", subject="Hej", text="Hej")


def test_smtp_refusing_the_recipient_for_now_is_transient(smtp_server):
    smtp_server["RCPT"] = "451 4.7.1 Greylisted, try again later"

    with pytest.raises(TransientSendError, match="451"):
        send_email(to="familjen@example.com", subject="Hej", text="Hej")


def test_smtp_refusing_the_data_for_good_is_permanent(smtp_server):
    smtp_server["END"] = "554 5.7.1 Message rejected as spam"

    with pytest.raises(PermanentSendError, match="554"):
        send_email(to="familjen@example.com", subject="Hej", text="Hej")


def test_smtp_unreachable_is_transient(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2

    with pytest.raises(TransientSendError):
        send_email(to="familjen@example.com", subject="Hej", text="Hej")


# --- Delivery reports ------------------------------------------------------------------------------------


@pytest.fixture
def sent_sms(db) -> Message:
    return Message.objects.create(
        kind=Kind.REMINDER,
        channel=Channel.SMS,
        recipient=NUMBER,
        scheduled_for=timezone.now(),
        key="test:reminder:1",
        status=Message.Status.SENT,
        provider_id="s17a6dafb12d6b7f8c1e1b3ee",
    )


def status_url(secret: str | None = None) -> str:
    return reverse("messaging:sms_status", kwargs={"secret": secret or sms_status_secret()})


def test_a_delivery_report_records_the_status(client, sent_sms, django_assert_num_queries):
    report = {"id": sent_sms.provider_id, "status": "delivered", "delivered": "2026-03-02T09:00:01.123456"}

    # the one UPDATE
    with django_assert_num_queries(1):
        response = client.post(status_url(), report)

    assert response.status_code == 204
    sent_sms.refresh_from_db()
    assert sent_sms.delivery_status == "delivered"
    assert sent_sms.status == Message.Status.SENT


def test_a_failed_delivery_is_recorded(client, sent_sms):
    response = client.post(status_url(), {"id": sent_sms.provider_id, "status": "failed"})

    assert response.status_code == 204
    sent_sms.refresh_from_db()
    assert sent_sms.delivery_status == "failed"


def test_a_delivery_report_with_a_wrong_secret_is_not_found(client, sent_sms):
    response = client.post(status_url("0" * 32), {"id": sent_sms.provider_id, "status": "delivered"})

    assert response.status_code == 404
    sent_sms.refresh_from_db()
    assert sent_sms.delivery_status == ""


def test_a_delivery_report_for_an_unknown_id_changes_nothing(client, sent_sms):
    response = client.post(status_url(), {"id": "s-unknown", "status": "delivered"})

    assert response.status_code == 204
    assert list(Message.objects.values_list("delivery_status", flat=True)) == [""]


def test_a_delivery_report_only_touches_sms(client, sent_sms):
    email = Message.objects.create(
        kind=Kind.REMINDER,
        channel=Channel.EMAIL,
        recipient="familjen@example.com",
        scheduled_for=timezone.now(),
        key="test:reminder:email",
        provider_id="same-id",
    )

    client.post(status_url(), {"id": "same-id", "status": "delivered"})

    email.refresh_from_db()
    assert email.delivery_status == ""


def test_the_delivery_report_url_answers_only_post(client, sent_sms):
    assert client.get(status_url()).status_code == 405


@pytest.mark.parametrize(
    "post",
    [
        {},  # nothing at all
        {"status": "delivered"},  # no id: must not match every message without one
        {"id": "", "status": "delivered"},
        {"id": "s17a6dafb12d6b7f8c1e1b3ee"},  # no status
        {"id": "s17a6dafb12d6b7f8c1e1b3ee", "status": "<script>"},
        {"id": "x" * 500, "status": "delivered"},
    ],
)
def test_a_malformed_delivery_report_is_refused_and_changes_nothing(client, sent_sms, post):
    # A message the gateway gave no id: an empty id in a report must not reach it.
    Message.objects.create(
        kind=Kind.REMINDER, channel=Channel.SMS, recipient=NUMBER, scheduled_for=timezone.now(), key="test:no-id"
    )

    response = client.post(status_url(), post)

    assert response.status_code == 400
    assert set(Message.objects.values_list("delivery_status", flat=True)) == {""}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe not form data", "application/x-www-form-urlencoded"),
        (b'{"id": "s17a6dafb12d6b7f8c1e1b3ee", "status": "delivered"}', "application/json"),
        (b"--broken\r\nno headers", "multipart/form-data; boundary=broken"),
        (b"garbage", "multipart/form-data"),
    ],
)
def test_a_garbled_delivery_report_is_a_client_error(client, sent_sms, body, content_type):
    response = client.generic("POST", status_url(), body, content_type=content_type)

    assert 400 <= response.status_code < 500
    sent_sms.refresh_from_db()
    assert sent_sms.delivery_status == ""
