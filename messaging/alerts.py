"""Alerts for coordinators: raised where something needs a person, sent together as digests."""

from messaging.models import Alert
from tenants.models import MoveIn


def raise_alert(*, kind: str, move_in: MoveIn, text: str, key: str) -> Alert:
    """Record that `move_in` needs a coordinator. Idempotent per `key` (one alert per cause), so a
    retried task or a repeated check never alerts twice. Call inside the transaction that found it."""
    alert, _created = Alert.objects.get_or_create(
        key=key, defaults={"kind": kind, "move_in": move_in, "text": text[:500]}
    )
    return alert
