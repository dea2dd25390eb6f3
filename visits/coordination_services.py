"""Writes from the coordinator's screens that belong to no existing service: closing a household's change
request and giving it the time it asked for. Everything else the screens do goes through visits.services
and tenants.services (saving a move-in with its household, languages and address)."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from visits import services as visit_services
from visits.models import ChangeRequest, Visit

# --- Change requests ---------------------------------------------------------------------------------


def mark_change_request_handled(
    *, change_request: ChangeRequest, by: AbstractBaseUser, now: datetime.datetime | None = None
) -> bool:
    """Close an open request. A conditional update, so of two coordinators pressing at once only one is
    recorded as having handled it; True when this call did."""
    now = now or timezone.now()
    changed = ChangeRequest.objects.filter(id=change_request.id, status=ChangeRequest.Status.OPEN).update(
        status=ChangeRequest.Status.HANDLED, handled_by=by, handled_at=now
    )
    if changed:
        change_request.status, change_request.handled_by, change_request.handled_at = (
            ChangeRequest.Status.HANDLED,
            by,
            now,
        )
    return changed == 1


@transaction.atomic
def move_to_requested_time(*, change_request: ChangeRequest, by: AbstractBaseUser) -> Visit:
    """Give the household the time it chose: the same visitor at the proposed start, as a coordinator's
    assignment (the old visit is cancelled, the household told the new time), and the request handled.
    All or nothing: ValidationError when the request names no time, is already handled, or the visitor
    is no longer free then."""
    visit = change_request.visit
    if change_request.proposed_start is None:
        raise ValidationError(_("The household chose no time; call them and assign by hand."), code="no_time")
    if not visit.is_open:
        raise ValidationError(_("This visit can no longer be changed."), code="closed")
    with translation.override(settings.LANGUAGE_CODE):  # stored history is read in the site's language
        reason = _("The household asked for another time.")
    new_visit = visit_services.assign_manually(
        move_in_id=visit.move_in_id,
        visitor_id=visit.visitor_id,
        starts_at=change_request.proposed_start,
        duration=visit.ends_at - visit.starts_at,
        reason=reason,
        by=by,
    )
    if not mark_change_request_handled(change_request=change_request, by=by):
        # Someone else handled it meanwhile: undo the move rather than move the visit twice.
        raise ValidationError(_("Another coordinator has already handled this request."), code="handled")
    return new_visit
