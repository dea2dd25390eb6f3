"""The API's schema (/api/schema/) and its docs page (/api/docs/, Swagger UI served from our own static
files by drf-spectacular-sidecar, under the Content-Security-Policy)."""

from typing import Any

from csp.decorators import csp_update
from django.utils import translation
from django.utils.decorators import method_decorator
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response


class SchemaView(SpectacularAPIView):
    """The schema in English, the language of the API's names, whatever the user's interface language;
    `?lang=sv` asks for the Swedish names of choices and models instead."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        with translation.override("en"):
            return super().get(request, *args, **kwargs)


# The one inline <style> of drf-spectacular's Swagger UI page (three lines of layout), allowed by its hash
# rather than by 'unsafe-inline'. test_login_security checks the hash against the page as served, so an
# upgrade that changes the block fails a test instead of quietly unstyling the page.
SWAGGER_UI_STYLE_HASH = "'sha256-MMpT0iDxyjALd9PdfepImGX3DBfJPXZ4IlDWdPAgtn0='"


@method_decorator(csp_update({"style-src": [SWAGGER_UI_STYLE_HASH]}), name="dispatch")
class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI, with its start-up script served as a file of its own (`?script`) instead of inline, for
    the Content-Security-Policy."""
