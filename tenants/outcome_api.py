"""Outcomes in the REST API: disturbance cases, move-out inspections and survey answers, registered one by
one by the property system beside the file import (`POST /api/v1/move-ins/import/` with `kind`).

The contract is the move-ins' (tenants.api):

- `POST` registers an outcome, naming its move-in by contract number: 201 with it. The same POST again is
  200 with the outcome already there. The same key (a case number; a move-in's inspection; a move-in's
  answer of one day) with other values is 409 naming the fields that differ: a correction is a row of an
  imported file, which corrects by key.
- Values are checked by tenants.outcomes, as the file import checks them (the same words for the same
  mistakes); this module first makes sure each JSON value has the documented type. Unknown fields are
  refused (400), except the outcome's own read-only fields, so that what a GET returned may be sent back.
- Coordinators write and read; managers read; a visitor's list is refused (403) and any one outcome is a
  404 to them, as every move-in they do not visit is (hemkunskap.api_permissions).
"""

from typing import Any, ClassVar

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hemkunskap.api_permissions import roles_of
from tenants.intake import Fate
from tenants.models import DisturbanceCase, MoveOutInspection, SurveyAnswer
from tenants.outcomes import (
    DISTURBANCE_CASES,
    MOVE_OUT_INSPECTIONS,
    SCORE_FIELDS,
    SURVEY_ANSWERS,
    OutcomeKind,
    save_outcome,
)
from visits.roles import COORDINATOR, MANAGER, VISITOR

OUTCOMES_READ_ALL = frozenset({COORDINATOR, MANAGER})
OUTCOMES_WRITE = frozenset({COORDINATOR})
# Asking for one outcome: a visitor is let through to be told 404 (they see none), as for move-ins.
OUTCOMES_READ_ONE = frozenset({COORDINATOR, MANAGER, VISITOR})
READ_ONLY_FIELDS = frozenset({"id", "move_in", "created_at", "updated_at"})
FIELDS_RULE = (
    "Fields not listed here are refused (400 naming them), except the read-only id, move_in, created_at and "
    "updated_at, which are ignored. Each value must have the type shown; errors answer {field: [messages]}."
)


class OutcomeAccess(BasePermission):
    """Outcomes: coordinators register and read, managers read; a visitor's list is refused (403) and one
    outcome is a 404 to them (get_queryset shows them none)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method not in SAFE_METHODS:
            allowed = OUTCOMES_WRITE
        elif getattr(view, "detail", False):
            allowed = OUTCOMES_READ_ONE
        else:
            allowed = OUTCOMES_READ_ALL
        return bool(roles_of(request.user) & allowed)


# --- What the API shows ---------------------------------------------------------------------------------


class OutcomeSerializer(serializers.ModelSerializer):
    contract_number = serializers.CharField(source="move_in.contract_number", read_only=True)
    move_in = serializers.IntegerField(source="move_in_id", read_only=True, help_text="The move-in's id.")


class DisturbanceCaseSerializer(OutcomeSerializer):
    class Meta:
        model = DisturbanceCase
        fields = [
            "id",
            "contract_number",
            "move_in",
            "case_number",
            "reported_on",
            "category",
            "justified",
            "created_at",
            "updated_at",
        ]


class MoveOutInspectionSerializer(OutcomeSerializer):
    class Meta:
        model = MoveOutInspection
        fields = ["id", "contract_number", "move_in", "inspected_on", "damage_cost", "created_at", "updated_at"]


class SurveyAnswerSerializer(OutcomeSerializer):
    class Meta:
        model = SurveyAnswer
        fields = ["id", "contract_number", "move_in", "answered_on", *SCORE_FIELDS, "created_at", "updated_at"]


# --- What it takes (for the schema; the values are checked by json_values and tenants.outcomes) ----------

CONTRACT_NUMBER = serializers.CharField(max_length=50, help_text="The move-in's contract number.")


def _score(required: bool) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=10, required=required, allow_null=not required)


class DisturbanceCaseInputSerializer(serializers.Serializer):
    contract_number = CONTRACT_NUMBER
    case_number = serializers.CharField(max_length=50, help_text="The property system's case number: the key.")
    reported_on = serializers.DateField(help_text="ISO 8601 date; not before the move-in, not in the future.")
    category = serializers.CharField(help_text="noise, shared_areas, waste or other (or buller, avfall, ...).")
    justified = serializers.BooleanField(help_text="Whether the company found the complaint justified.")


class MoveOutInspectionInputSerializer(serializers.Serializer):
    contract_number = CONTRACT_NUMBER
    inspected_on = serializers.DateField(help_text="ISO 8601 date; not before the move-in, not in the future.")
    damage_cost = serializers.IntegerField(
        min_value=0, help_text="Damage beyond normal wear, whole kronor; 0 for normal wear only."
    )


class SurveyAnswerInputSerializer(serializers.Serializer):
    contract_number = CONTRACT_NUMBER
    answered_on = serializers.DateField(help_text="ISO 8601 date; one answer per move-in and day.")
    satisfaction = _score(True)
    apartment_score = _score(False)
    shared_areas_score = _score(False)
    safety_score = _score(False)
    service_score = _score(False)


class OutcomeConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    changed = serializers.ListField(child=serializers.CharField(), help_text="The fields that differ.")
    id = serializers.IntegerField(help_text="The outcome already registered.")


# The JSON type of each field the API takes; the optional ones may be left out or null.
JSON_TYPES: dict[str, dict[str, str]] = {
    "disturbance_cases": {
        "contract_number": "text",
        "case_number": "text",
        "reported_on": "text",
        "category": "text",
        "justified": "boolean",
    },
    "move_out_inspections": {"contract_number": "text", "inspected_on": "text", "damage_cost": "integer"},
    "survey_answers": {"contract_number": "text", "answered_on": "text", **dict.fromkeys(SCORE_FIELDS, "integer")},
}
OPTIONAL_FIELDS = frozenset(SCORE_FIELDS[1:])


def json_values(data: object, types: dict[str, str]) -> dict[str, object]:
    """The record's fields from a JSON body, each of its documented JSON type; ValidationError per field
    otherwise. What the values mean (a known contract, a real date) is tenants.outcomes' question."""
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": [_("Send the outcome as a JSON object.")]})
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name in READ_ONLY_FIELDS:
            continue
        if name not in types:
            errors[str(name)] = [_("Unknown field.")]
        elif problem := _type_problem(name, value, types[name]):
            errors[name] = [problem]
    if errors:
        raise ValidationError(errors)
    return {name: data[name] for name in types if name in data}


def _type_problem(name: str, value: object, kind: str) -> str | None:
    if value is None:
        return None if name in OPTIONAL_FIELDS else _("This field may not be null.")
    if kind == "text":
        if not isinstance(value, str):
            return _("A text is required.")
        try:
            value.encode("utf-8")  # JSON can carry lone surrogates, which no database stores
        except UnicodeEncodeError:
            return _("Contains characters that are not text.")
    elif kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return _("A whole number is required.")
    elif kind == "boolean" and not isinstance(value, bool):
        return _("Must be true or false.")
    return None


# --- Filters ----------------------------------------------------------------------------------------------


class OutcomeFilter(django_filters.FilterSet):
    contract_number = django_filters.CharFilter(field_name="move_in__contract_number", lookup_expr="iexact")
    district = django_filters.CharFilter(
        field_name="move_in__apartment__building__district__name",
        lookup_expr="iexact",
        help_text="The district's name.",
    )


class DisturbanceCaseFilter(OutcomeFilter):
    reported_on = django_filters.DateFromToRangeFilter(
        help_text="reported_on_after / reported_on_before: on or after, on or before (ISO dates)."
    )

    class Meta:
        model = DisturbanceCase
        fields = ["contract_number", "district", "reported_on", "category", "justified"]


class MoveOutInspectionFilter(OutcomeFilter):
    inspected_on = django_filters.DateFromToRangeFilter(
        help_text="inspected_on_after / inspected_on_before: on or after, on or before (ISO dates)."
    )

    class Meta:
        model = MoveOutInspection
        fields = ["contract_number", "district", "inspected_on"]


class SurveyAnswerFilter(OutcomeFilter):
    answered_on = django_filters.DateFromToRangeFilter(
        help_text="answered_on_after / answered_on_before: on or after, on or before (ISO dates)."
    )

    class Meta:
        model = SurveyAnswer
        fields = ["contract_number", "district", "answered_on"]


# --- The endpoints ----------------------------------------------------------------------------------------


class OutcomeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    kind: ClassVar[OutcomeKind]
    json_types: ClassVar[dict[str, str]]
    permission_classes = [IsAuthenticated, OutcomeAccess]

    def get_queryset(self) -> QuerySet[Model]:
        rows = self.kind.model.objects.select_related("move_in").order_by(f"-{self.kind.date_field}", "-id")
        if roles_of(self.request.user) & OUTCOMES_READ_ALL:
            return rows
        return rows.none()

    def create(self, request: Request) -> Response:
        record = self.kind.clean(json_values(request.data, self.json_types))
        saved = save_outcome(self.kind, record, overwrite=False)
        if saved.fate is None:
            return Response(
                {
                    "detail": _(
                        "%(what)s %(id)s is registered with other values: %(fields)s. "
                        "Correct it by importing a file with the corrected row."
                    )
                    % {
                        "what": str(self.kind.model._meta.verbose_name).capitalize(),
                        "id": saved.row.pk,
                        "fields": ", ".join(saved.changed),
                    },
                    "changed": list(saved.changed),
                    "id": saved.row.pk,
                },
                status=status.HTTP_409_CONFLICT,
            )
        code = status.HTTP_201_CREATED if saved.fate == Fate.NEW else status.HTTP_200_OK
        return Response(self.get_serializer(self.get_queryset().get(pk=saved.row.pk)).data, status=code)


def _create_schema(what: str, request: type[serializers.Serializer], shown: type[serializers.Serializer]) -> Any:
    return extend_schema(
        summary=f"Register a {what}",
        description=(
            f"Registers the {what} for the move-in with the contract number given (400 when it is unknown, "
            "anonymised, or the date is before the move-in). Safe to retry: the same values again answer 200 "
            "with the one registered; other values under the same key 409, naming the fields that differ "
            "(correct it by importing a file). " + FIELDS_RULE
        ),
        request=request,
        responses={
            201: OpenApiResponse(shown, description="Registered."),
            200: OpenApiResponse(shown, description="Already registered with the same values."),
            409: OpenApiResponse(OutcomeConflictSerializer, description="Registered with other values."),
        },
    )


@extend_schema_view(
    list=extend_schema(summary="List disturbance cases", description="Latest first."),
    retrieve=extend_schema(summary="A disturbance case"),
    create=_create_schema("disturbance case", DisturbanceCaseInputSerializer, DisturbanceCaseSerializer),
)
class DisturbanceCaseViewSet(OutcomeViewSet):
    kind = DISTURBANCE_CASES
    json_types = JSON_TYPES["disturbance_cases"]
    serializer_class = DisturbanceCaseSerializer
    filterset_class = DisturbanceCaseFilter


@extend_schema_view(
    list=extend_schema(summary="List move-out inspections", description="Latest first."),
    retrieve=extend_schema(summary="A move-out inspection"),
    create=_create_schema("move-out inspection", MoveOutInspectionInputSerializer, MoveOutInspectionSerializer),
)
class MoveOutInspectionViewSet(OutcomeViewSet):
    kind = MOVE_OUT_INSPECTIONS
    json_types = JSON_TYPES["move_out_inspections"]
    serializer_class = MoveOutInspectionSerializer
    filterset_class = MoveOutInspectionFilter


@extend_schema_view(
    list=extend_schema(summary="List survey answers", description="Latest first."),
    retrieve=extend_schema(summary="A survey answer"),
    create=_create_schema("survey answer", SurveyAnswerInputSerializer, SurveyAnswerSerializer),
)
class SurveyAnswerViewSet(OutcomeViewSet):
    kind = SURVEY_ANSWERS
    json_types = JSON_TYPES["survey_answers"]
    serializer_class = SurveyAnswerSerializer
    filterset_class = SurveyAnswerFilter
