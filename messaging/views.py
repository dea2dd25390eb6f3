"""The SMS gateway's delivery reports: the one way into the messaging app from outside."""

import logging
import re

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.channels import sms_status_secret
from messaging.models import Channel, Message

logger = logging.getLogger(__name__)

# 46elks says "delivered" or "failed"; any other short word is kept as it comes, for whoever reads the outbox.
DELIVERY_STATUS = re.compile(r"[a-z_]{1,30}")
PROVIDER_ID_MAX_LENGTH = Message._meta.get_field("provider_id").max_length


@csrf_exempt  # the gateway has no CSRF token; the secret in the path is the key
@require_POST
def sms_status(request: HttpRequest, secret: str) -> HttpResponse:
    """46elks' `whendelivered` callback: form fields `id`, `status` and (when delivered) `delivered`.

    Answers 204 whenever the report was understood, also for an id we do not know (a message sent
    before a database restore, say): any other answer makes the gateway post it again for hours.
    """
    if not constant_time_compare(secret, sms_status_secret()):
        raise Http404
    provider_id = request.POST.get("id", "").strip()
    status = request.POST.get("status", "").strip().lower()
    # An empty id would match every message that has none.
    if not provider_id or len(provider_id) > PROVIDER_ID_MAX_LENGTH or not DELIVERY_STATUS.fullmatch(status):
        return HttpResponseBadRequest("Expected form fields id and status.", content_type="text/plain")
    changed = Message.objects.filter(channel=Channel.SMS, provider_id=provider_id).update(delivery_status=status)
    if not changed:
        logger.info("Delivery report %r for unknown SMS %r", status, provider_id)
    return HttpResponse(status=204)
