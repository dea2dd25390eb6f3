"""The API's schema (/api/schema/) and its docs page (/api/docs/, Swagger UI served from our own static
files by drf-spectacular-sidecar)."""

from typing import Any

from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """The schema in English, the language of the API's names, whatever the user's interface language;
    `?lang=sv` asks for the Swedish names of choices and models instead."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with translation.override("en"):
            return super().get(request, *args, **kwargs)
