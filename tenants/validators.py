"""Validators for the facts a property system sends us, with messages a coordinator understands."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

POSTAL_CODE_RE = re.compile(r"^\d{3} ?\d{2}$")


def normalise_phone(value: str) -> str:
    """A Swedish or international phone number in E.164 (+46701234567), or ValidationError."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, "SE")
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), code="invalid_phone", params={"value": raw}
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("“%(value)s” is not a phone number."), code="invalid_phone", params={"value": raw})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    if value and normalise_phone(value) != value:
        raise ValidationError(_("Store phone numbers as +46…, e.g. +46701234567."), code="not_e164")


def normalise_postal_code(value: str) -> str:
    """Swedish postal codes are written "602 23"."""
    raw = (value or "").strip()
    if not POSTAL_CODE_RE.match(raw):
        raise ValidationError(
            _("“%(value)s” is not a Swedish postal code (five digits, e.g. 602 23)."),
            code="invalid_postal_code",
            params={"value": raw},
        )
    digits = raw.replace(" ", "")
    return f"{digits[:3]} {digits[3:]}"


def validate_postal_code(value: str) -> None:
    if normalise_postal_code(value) != value:
        raise ValidationError(_("Write the postal code as “602 23”."), code="postal_code_format")
