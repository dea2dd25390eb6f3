"""Signed, expiring links for households: the key to a household's own page, with no login.

A token is `django.core.signing.dumps({"v": visit id, "n": nonce})`: an HMAC (SHA-256, SECRET_KEY, a salt
of its own) over the payload and the time it was made. It cannot be guessed or altered without the
secret key; it stops working after HOUSEHOLD_LINK_MAX_AGE_DAYS, when the visit's nonce is rotated (the
visit was moved: the new invitation carries a new link), and once the visit is over.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from tenants.models import HouseholdLanguage
from visits.models import Visit, new_secret

SALT = "visits.household-link"
# The link travels by SMS, so every character counts. The signature is what makes a token unguessable;
# the nonce only has to change when the link is revoked, and also guards links if the secret key ever
# leaked. Twelve of its characters (72 random bits) do both: a token is about 90 characters instead of
# about 135 with the whole nonce.
NONCE_CHARS = 12


class InvalidLink(Exception):
    """Tampered, expired, revoked or over. Deliberately one exception: the page says nothing about which."""


def household_token(visit: Visit) -> str:
    return signing.dumps({"v": visit.id, "n": visit.household_link_nonce[:NONCE_CHARS]}, salt=SALT, compress=True)


def household_link(visit: Visit) -> str:
    """The absolute address of the household's page for `visit`, for invitations and reminders."""
    return settings.SITE_URL.rstrip("/") + reverse("household_page", args=[household_token(visit)])


def visit_from_token(token: str) -> Visit:
    """The open visit a token names, with what the household's page shows loaded; InvalidLink otherwise."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=datetime.timedelta(days=settings.HOUSEHOLD_LINK_MAX_AGE_DAYS))
    except signing.BadSignature as error:  # SignatureExpired is one too
        raise InvalidLink from error
    if not isinstance(payload, dict) or not isinstance(payload.get("v"), int) or not isinstance(payload.get("n"), str):
        raise InvalidLink
    visit = (
        Visit.objects.select_related("visitor__user", "move_in__household", "move_in__apartment__building__district")
        .prefetch_related(
            Prefetch(
                "move_in__household__language_preferences",
                queryset=HouseholdLanguage.objects.select_related("language"),
            )
        )
        .filter(id=payload["v"])
        .first()
    )
    if visit is None or not constant_time_compare(visit.household_link_nonce[:NONCE_CHARS], payload["n"]):
        raise InvalidLink
    # "Can't be reused after the visit": a visit that took place, was missed or was cancelled has no page.
    if not visit.is_open or visit.ends_at <= timezone.now():
        raise InvalidLink
    return visit


def rotate_household_link(*, visit: Visit) -> Visit:
    """Revoke every link already sent for `visit` (call it when the visit is moved, then send the new one)."""
    visit.household_link_nonce = new_secret()
    visit.save(update_fields=["household_link_nonce", "updated_at"])
    return visit
