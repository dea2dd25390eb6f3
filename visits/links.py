"""Signed, expiring links for households (no login). Being written: see issue 4."""

from visits.models import Visit


class InvalidLink(Exception):
    pass


def household_link(visit: Visit) -> str:
    return ""


def visit_from_token(token: str) -> Visit:
    raise InvalidLink
