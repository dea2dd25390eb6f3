"""The household's own page, reached from the invitation's link. Being written: see issue 4."""

from django.http import Http404, HttpRequest, HttpResponse


def page(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404
