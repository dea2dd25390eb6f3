"""The two ways a message leaves the building: SMS and e-mail.

`send_sms` and `send_email` send one message now and return the id the channel gave it, or raise one of
two errors that tell the caller (the outbox dispatcher) what to do next:

- `TransientSendError`: worth trying again later (a gateway answering 5xx after our in-call retries, a
  timeout, a refused connection, an SMTP 4xx);
- `PermanentSendError`: trying again will not help (a 4xx from the gateway, an invalid number or
  address, a bad configuration, an SMTP 5xx).

Neither function touches the database: recording the outcome on the `Message` row is the caller's job.
The one write here is the delivery report, which arrives later on `messaging.views.sms_status`.

SMS backends, chosen by settings.SMS_BACKEND: "console" prints one line, "file" writes one JSON file
per message to SMS_FILE_PATH (development and tests), "http" posts to a 46elks-style gateway.
E-mail goes through Django's configured EMAIL_BACKEND (SMTP, console, file or locmem).
"""

import json
import logging
import os
import re
import smtplib
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC
from email.utils import parseaddr
from pathlib import Path

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMultiAlternatives, make_msgid
from django.core.mail.utils import DNS_NAME
from django.core.validators import validate_email
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import linebreaks
from requests.exceptions import InvalidSchema
from urllib3.exceptions import MaxRetryError

# Logs name no phone numbers or addresses: they are tenants' personal data, and the outbox row has them.
logger = logging.getLogger(__name__)

# Seconds one request to the SMS gateway may take (connecting, and then waiting for each read).
SMS_HTTP_TIMEOUT_SECONDS: float = 10
# Pauses before the second and third try of one send: three tries in all, about 1.5 s of waiting. The
# dispatcher retries a TransientSendError later on its own schedule; these only smooth over a blip.
SMS_HTTP_RETRY_DELAYS_SECONDS: tuple[float, ...] = (0.5, 1.0)
# How much of a gateway's error answer goes into the exception (and so into Message.error).
ERROR_EXCERPT_CHARS = 200

# E.164: a plus, a country code that does not start with 0, at most 15 digits in all.
E164 = re.compile(r"\+[1-9]\d{6,14}")


class SendError(Exception):
    """A message was not sent. Its text is for the outbox's `error` column and carries no secrets."""


class TransientSendError(SendError):
    """Try again later.

    `maybe_sent` is True when the gateway may have accepted the message before the answer was lost (it got
    the request, then timed out or hung up before answering): sending again may then deliver it twice, and
    the caller decides whether a duplicate is better than a gap.
    """

    def __init__(self, message: str, *, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent


class PermanentSendError(SendError):
    """Trying again will not help: the number, the address, the text or the configuration is wrong."""


# --- SMS ---------------------------------------------------------------------------------------------


def send_sms(*, to: str, body: str) -> str:
    """Send one SMS to `to` (E.164, e.g. +46701234567) through settings.SMS_BACKEND.

    Returns the gateway's id for the message (the key of its delivery report): "" from the console
    backend, a generated id from the file backend.
    """
    if not E164.fullmatch(to):
        raise PermanentSendError(f"Not a phone number in international form (+46…): {to!r}")
    if not body.strip():
        raise PermanentSendError("The text is empty.")
    backend = SMS_BACKENDS.get(settings.SMS_BACKEND)
    if backend is None:
        raise PermanentSendError(f"SMS_BACKEND must be console, file or http; got {settings.SMS_BACKEND!r}")
    return backend(to=to, sender=settings.SMS_SENDER, body=body)


def _send_sms_to_console(*, to: str, sender: str, body: str) -> str:
    # One line, like Django's console e-mail backend: the development log shows what would have gone out.
    print(f"SMS from {sender} to {to}: {body!r}", flush=True)
    return ""


def _send_sms_to_file(*, to: str, sender: str, body: str) -> str:
    folder = Path(settings.SMS_FILE_PATH)
    sent_at = timezone.now()
    message_id = uuid.uuid4().hex
    content = {"to": to, "from": sender, "body": body, "sent_at": sent_at.isoformat()}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename: whoever reads *.json never sees half a message.
        fd, temp_path = tempfile.mkstemp(dir=folder, prefix=".sms-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                json.dump(content, file, ensure_ascii=False, indent=2)
            os.replace(temp_path, folder / f"{sent_at.astimezone(UTC):%Y%m%dT%H%M%S%fZ}-{message_id}.json")
        except BaseException:
            Path(temp_path).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise TransientSendError(f"Could not write the SMS to {folder}: {exc}") from exc
    return message_id


def _send_sms_over_http(*, to: str, sender: str, body: str) -> str:
    """POST to a 46elks-style gateway: form fields from/to/message/whendelivered, HTTP basic auth, and a
    JSON answer {"id": ..., "status": ...}."""
    if not (settings.SMS_HTTP_URL and settings.SMS_HTTP_USER and settings.SMS_HTTP_PASSWORD):
        raise PermanentSendError("SMS_BACKEND=http needs SMS_HTTP_URL, SMS_HTTP_USER and SMS_HTTP_PASSWORD.")
    data = {"from": sender, "to": to, "message": body, "whendelivered": sms_status_url()}
    auth = (settings.SMS_HTTP_USER, settings.SMS_HTTP_PASSWORD)
    delays = SMS_HTTP_RETRY_DELAYS_SECONDS
    for attempt in range(len(delays) + 1):
        if attempt:
            time.sleep(delays[attempt - 1])
        last_try = attempt == len(delays)
        try:
            response = requests.post(
                settings.SMS_HTTP_URL, data=data, auth=auth, timeout=SMS_HTTP_TIMEOUT_SECONDS, allow_redirects=False
            )
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, InvalidSchema) as exc:
            raise PermanentSendError(f"SMS_HTTP_URL is not usable: {type(exc).__name__}") from exc
        except requests.RequestException as exc:
            if not _never_sent(exc):
                # Connected and sent, then no answer in time or the connection dropped: the gateway may
                # well have taken the message, so we do not send it again here. The dispatcher decides,
                # with `maybe_sent` in hand, whether a duplicate beats a gap.
                raise TransientSendError(
                    f"No answer from the SMS gateway: {type(exc).__name__}", maybe_sent=True
                ) from exc
            failure = TransientSendError(f"Could not reach the SMS gateway: {type(exc).__name__}")
            if last_try:
                raise failure from exc
            logger.warning("SMS: %s; trying again", failure)
            continue

        if response.status_code >= 500:
            failure = TransientSendError(f"The SMS gateway answered {_describe(response)}")
            if last_try:
                raise failure
            # The status only: a gateway's answer may repeat the number and the text (an address), and
            # logs are read by more people than the message's own error field is.
            logger.warning("SMS: the gateway answered %s; trying again", response.status_code)
            continue
        if response.status_code == 429:
            # Too many requests: the gateway is fine and asks us to come back later, not in a second.
            raise TransientSendError(f"The SMS gateway answered {_describe(response)}")
        if response.status_code >= 300:
            # A redirect (not followed: it would turn the POST into a GET), 401 (wrong credentials), 402
            # (no credit), 403 (sender not allowed), 400 (bad number or text): the same request will get
            # the same answer.
            raise PermanentSendError(f"The SMS gateway answered {_describe(response)}")
        return _gateway_id(response)
    raise AssertionError("unreachable")  # pragma: no cover


def _never_sent(exc: requests.RequestException) -> bool:
    """Whether a request failed before the gateway could have read it, so sending again is safe.

    requests reports failures to connect (refused, unreachable, DNS, TLS, connect timeout) wrapping
    urllib3's MaxRetryError, and failures after the request went out (read timeout, connection dropped)
    without it.
    """
    return bool(exc.args) and isinstance(exc.args[0], MaxRetryError)


def _gateway_id(response: requests.Response) -> str:
    """The id in a 2xx answer. A 2xx means the gateway took the message, so an answer we cannot read is
    logged, not raised: raising would make the dispatcher send it again."""
    try:
        answer = response.json()
        message_id = str(answer["id"])
    except (ValueError, KeyError, TypeError):
        logger.error("SMS: the gateway took it but answered %s without a readable id", response.status_code)
        return ""
    if answer.get("status") == "failed":
        logger.warning("SMS %s: the gateway took it with status 'failed'", message_id)
    return message_id[:100]


def _describe(response: requests.Response) -> str:
    excerpt = " ".join(response.text.split())[:ERROR_EXCERPT_CHARS]
    return f"{response.status_code} {response.reason}: {excerpt}" if excerpt else f"{response.status_code}"


SMS_BACKENDS: dict[str, Callable[..., str]] = {
    "console": _send_sms_to_console,
    "file": _send_sms_to_file,
    "http": _send_sms_over_http,
}


# --- The gateway's delivery reports ------------------------------------------------------------------


def sms_status_secret() -> str:
    """The part of the delivery-report URL that only we and the gateway know. Derived from SECRET_KEY, so
    it needs no setting of its own and changes when the key is rotated (bump "v1" to change it alone)."""
    return salted_hmac("sms-status", "v1").hexdigest()[:32]


def sms_status_url() -> str:
    """The absolute URL the gateway posts delivery reports to (46elks' `whendelivered`)."""
    return settings.SITE_URL.rstrip("/") + reverse("messaging:sms_status", kwargs={"secret": sms_status_secret()})


# --- E-mail ------------------------------------------------------------------------------------------


def send_email(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    language: str = "sv",
    rtl: bool = False,
) -> str:
    """Send one e-mail through Django's EMAIL_BACKEND and return its Message-ID header.

    `html`, when given, is sent as the alternative to `text` exactly as rendered (with dir="rtl" where
    the language needs it). Without `html`, a right-to-left text gets a minimal HTML alternative that only
    sets the direction, since mail clients show plain text left-aligned. `attachments` are
    (filename, content, MIME type), e.g. ("besok.ics", ics_bytes, "text/calendar").
    """
    try:
        validate_email(to)
    except ValidationError:
        raise PermanentSendError(f"Not an e-mail address: {to!r}") from None
    message_id = make_msgid(domain=_message_id_domain())
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": message_id, "Content-Language": language},
    )
    if html is None and rtl:
        html = f'<div dir="rtl" lang="{language}">{linebreaks(text, autoescape=True)}</div>'
    if html is not None:
        email.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        email.attach(filename, content, mimetype)
    try:
        email.send(fail_silently=False)
    except BadHeaderError as exc:  # a newline in the subject, say
        raise PermanentSendError(f"Invalid e-mail header: {exc}") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _reply in exc.recipients.values()]
        error_class = PermanentSendError if all(code >= 500 for code in codes) else TransientSendError
        raise error_class(f"The mail server refused the recipient: {_smtp_replies(exc.recipients)}") from exc
    except smtplib.SMTPConnectError as exc:
        raise TransientSendError(f"Could not connect to the mail server: {exc.smtp_code}") from exc
    except smtplib.SMTPResponseException as exc:
        # SMTPDataError, SMTPSenderRefused, SMTPAuthenticationError...: 5xx is final, 4xx is "later".
        error_class = PermanentSendError if exc.smtp_code >= 500 else TransientSendError
        raise error_class(f"The mail server answered {exc.smtp_code} {_decode(exc.smtp_error)}") from exc
    except smtplib.SMTPNotSupportedError as exc:  # e.g. STARTTLS asked of a server without it
        raise PermanentSendError(f"The mail server does not support what we asked: {exc}") from exc
    except OSError as exc:
        # Refused connections, timeouts, TLS failures, a dropped connection (SMTPServerDisconnected), a full
        # disk under the file backend: all OSError, all worth another try.
        raise TransientSendError(f"Could not send the e-mail: {type(exc).__name__}: {exc}") from exc
    return message_id


def _message_id_domain() -> str:
    # Our own sender domain is the right right-hand side for a Message-ID; the host's name is the fallback.
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    domain = address.rpartition("@")[2]
    return domain if "." in domain else str(DNS_NAME)


def _smtp_replies(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address}: {code} {_decode(reply)}" for address, (code, reply) in recipients.items())


def _decode(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())[:ERROR_EXCERPT_CHARS]
