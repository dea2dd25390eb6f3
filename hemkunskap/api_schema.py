"""How the OpenAPI schema (drf-spectacular) describes the API beyond what it finds by itself. The pages that
serve it are in hemkunskap.api_docs (DRF imports this module while drf_spectacular.views loads)."""

from typing import Any

from drf_spectacular import openapi

from hemkunskap.api import ERROR, VALIDATION_ERROR


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, with the error answers every operation can give, so that clients (and the
    schema tests) know a 400, 401, 403, 404 or 415 as part of the contract rather than a surprise."""

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        is_list = self._is_list_view()
        is_detail = "{" in self.path
        errors: dict[str, tuple[str, dict[str, Any]]] = {}
        if self.method != "GET" or is_list:
            errors["400"] = ("Invalid input (fields, filters or page size).", VALIDATION_ERROR)
        errors["401"] = ("No or an invalid token.", ERROR)
        errors["403"] = ("The user's role may not do this.", ERROR)
        if is_detail or is_list:
            errors["404"] = ("No such object for this user (or no such page).", ERROR)
        if self.method in ("POST", "PUT", "PATCH"):
            # A body DRF's parsers cannot take: another content type, or a multipart body without one.
            errors["415"] = ("The body's content type is not one this operation accepts.", ERROR)
        for code, (description, schema) in errors.items():
            if code not in responses:
                responses[code] = {"description": description, "content": {"application/json": {"schema": schema}}}
        return responses
