"""The REST API, version 1, under /api/v1/ (the schema is at /api/schema/, its docs page at /api/docs/).

Tokens: an integration signs in as a user of its own with a role (a coordinator, for the property system
that registers move-ins) and sends `Authorization: Token <key>`. An administrator creates the key with
`python manage.py drf_create_token <username>` (`-r` replaces it, and the old key stops working at once)
and revokes it by deleting it under "Auth Token › Tokens" in the admin. Who may do what:
hemkunskap.api_permissions.
"""

from django.urls import re_path
from rest_framework.routers import DefaultRouter

from hemkunskap.api import not_found
from languages.api import LanguageViewSet
from tenants.api import MoveInViewSet
from tenants.outcome_api import DisturbanceCaseViewSet, MoveOutInspectionViewSet, SurveyAnswerViewSet
from visits.api import VisitViewSet

app_name = "api"

router = DefaultRouter()
router.include_format_suffixes = False  # JSON only: no /move-ins.json
router.register("move-ins", MoveInViewSet, basename="move-in")
router.register("visits", VisitViewSet, basename="visit")
router.register("languages", LanguageViewSet, basename="language")
router.register("disturbance-cases", DisturbanceCaseViewSet, basename="disturbance-case")
router.register("move-out-inspections", MoveOutInspectionViewSet, basename="move-out-inspection")
router.register("survey-answers", SurveyAnswerViewSet, basename="survey-answer")

urlpatterns = [
    *router.urls,
    # Anything else under /api/v1/ answers like the API (JSON), not with the web app's HTML page.
    re_path(r"^.*$", not_found),
]
