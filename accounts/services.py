"""Setting up an authenticator and checking second-factor codes (django-otp's devices)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODE_COUNT = 10


def pending_authenticator(*, user: AbstractBaseUser) -> TOTPDevice:
    """The authenticator the user is setting up (not yet confirmed by a code), made on first asking: the
    same secret however often the set-up page is opened, until a code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


@transaction.atomic
def confirm_authenticator(*, user: AbstractBaseUser, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm the pending authenticator with a code from it, or None if the code is wrong.

    The new authenticator replaces any earlier one (a new phone), and its ten recovery codes replace any
    earlier codes. Returns the device and the codes, which are shown to the user once."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("id").first()
    if device is None or not device.verify_token(_normalise(code)):
        return None
    TOTPDevice.objects.filter(user=user).exclude(id=device.id).delete()
    StaticDevice.objects.filter(user=user).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    recovery = StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=token) for token in sorted(codes))
    return device, sorted(codes)


@transaction.atomic
def verify_code(*, user: AbstractBaseUser, code: str) -> Device | None:
    """The device that accepts `code` – six digits from the authenticator, or a recovery code, which is
    used up – or None. django-otp refuses a code already used and, after each wrong code, every code for a
    doubling time (1, 2, 4… seconds), so guessing is hopeless. The device rows are locked so that two
    requests at once cannot both use one recovery code or one authenticator code."""
    code = _normalise(code)
    devices = TOTPDevice if code.isdigit() else StaticDevice
    for device in devices.objects.select_for_update().filter(user=user, confirmed=True).order_by("id"):
        if device.verify_token(code):
            return device
    return None


def recovery_codes_left(*, user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _normalise(code: str) -> str:
    """People type "123 456" as the app shows it, and recovery codes in capitals."""
    return "".join(code.split()).lower()
