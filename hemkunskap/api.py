"""What every endpoint of the REST API shares: pagination and the error answers (how the schema describes
them: hemkunskap.api_schema). The endpoints are in each app's api.py; who may call them in
hemkunskap.api_permissions.

Imported by DRF's settings while rest_framework.generics loads: nothing here may import DRF's views."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class Pagination(pagination.PageNumberPagination):
    """?page=2, and ?page_size= up to 200 for clients that would rather make fewer requests."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, and Django's ValidationError – what the services and tenants.intake raise – as a 400
    with the same shape as DRF's own: {field: [messages]}, or {"detail": message} when no field is named."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": " ".join(exc.messages)})
    return drf_exception_handler(exc, context)


@csrf_exempt  # it changes nothing: a POST to a wrong address is told 404, not 403 for want of a token
def not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any other address under /api/v1/: a JSON 404 like the API's own, not the web app's HTML page."""
    return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)


# --- The schema ----------------------------------------------------------------------------------

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# {field: [messages]} from validation, {"detail": message} from a body that is not JSON, and
# {"non_field_errors": [...]}: an object either way.
VALIDATION_ERROR = {
    "type": "object",
    "description": "Messages per field: {field: [message, ...]}; or {detail: message}.",
    "additionalProperties": {},
}
