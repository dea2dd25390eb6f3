"""The messaging tests use the visits tests' cast (visitors, move-ins) and send SMS to files."""

import pytest

from visits.tests.conftest import (
    amal,
    apartment,
    coordinator,
    hodan,
    languages,
    make_move_in,
    make_visitor,
    plan_visits,
    team,
    yonas,
)

__all__ = [
    "amal",
    "apartment",
    "coordinator",
    "hodan",
    "languages",
    "make_move_in",
    "make_visitor",
    "plan_visits",
    "team",
    "yonas",
]


@pytest.fixture
def sms_folder(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = str(tmp_path / "sms")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return tmp_path / "sms"
