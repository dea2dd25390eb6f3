"""Move-ins in the REST API: the property system's way in, beside the file import.

The contract (see also the schema at /api/schema/):

- `POST /api/v1/move-ins/` registers a move-in: 201 with it. The same POST again (a retry after a lost
  answer) is 200 with the move-in already there, never a second one. The same contract number with other
  data is 409 naming the fields that differ and the existing move-in: corrections go through PUT/PATCH on
  it, so that a mistyped contract number can never overwrite somebody else's move-in.
- `PUT`/`PATCH /api/v1/move-ins/{id}/` correct a move-in (PATCH: only the fields given). A correction that
  moves the visit (another date, other languages) plans it again. The contract number cannot change.
- Values are checked by tenants.intake, as the file import checks them (the same words for the same
  mistakes); this module first makes sure each JSON value has the documented type. Fields the API does
  not know are refused (400), except the move-in's own read-only fields, so that what a GET returned may
  be sent back with PUT.
- `POST /api/v1/move-ins/import/` imports a CSV or .xlsx file, as the coordinator's upload does: move-ins,
  or with `kind` their outcomes (disturbance cases, move-out inspections, survey answers), which are also
  registered one by one through their own endpoints (tenants.outcome_api).
"""

from dataclasses import asdict
from typing import Any

import django_filters
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from hemkunskap.api import ERROR
from hemkunskap.api_permissions import ImportAccess, MoveInAccess, sees_protected_identity, visible_move_ins
from tenants import audit
from tenants.imports import ImportReport, Kind, import_file
from tenants.intake import (
    RECORD_FIELDS,
    Fate,
    Lookups,
    clean_record,
    register_new,
    save_record,
    stored_record,
)
from tenants.models import MoveIn, PersonalDataAccess
from visits.api import CurrentVisitField, visits_shown_with_move_ins

# Hidden from those who may not see a protected household's whereabouts (hemkunskap.api_permissions).
PROTECTED_FIELDS = ("street_address", "postal_code", "apartment_number", "phone", "email")
# Fields of the move-in as the API shows it that a client may send back unchanged (they are ignored).
READ_ONLY_FIELDS = frozenset({"id", "url", "assignment_state", "visit", "protected_identity"})
TEXT_FIELDS = frozenset(RECORD_FIELDS) - {"household_size", "languages", "wants_interpreter"}
# May be left out or null: blank text, one person, no interpreter.
OPTIONAL_FIELDS = frozenset({"district", "phone", "email", "household_size", "wants_interpreter"})
# What the schema says of every write (and the module docstring explains).
FIELDS_RULE = (
    "Fields not listed here are refused (400 naming them), except the move-in's own read-only fields "
    "(id, url, assignment_state, visit, protected_identity), which are ignored: what a GET returned may be "
    "sent back. Each value must have the type shown; errors answer {field: [messages]}."
)
# Room for the multipart envelope around the file when the request's size is checked before it is read.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


# --- Serializers: what the API shows and, for the schema, what it takes ------------------------------


class MoveInSerializer(serializers.Serializer):
    """A move-in as stored: phone in E.164, postal code "602 23", languages as codes, most preferred
    first. For a household with protected identity, the address and contact details are null unless the
    user may see them."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    contract_number = serializers.CharField()
    move_in_date = serializers.DateField()
    street_address = serializers.CharField(source="apartment.building.street_address", allow_null=True)
    postal_code = serializers.CharField(source="apartment.building.postal_code", allow_null=True)
    district = serializers.CharField(source="apartment.building.district.name")
    apartment_number = serializers.CharField(source="apartment.number", allow_null=True)
    contact_name = serializers.CharField(source="household.contact_name")
    phone = serializers.CharField(source="household.phone", allow_null=True, help_text="E.164, or empty.")
    email = serializers.CharField(source="household.email", allow_null=True)
    household_size = serializers.IntegerField(source="household.size")
    languages = serializers.ListField(
        child=serializers.CharField(),
        source="household.language_codes",
        help_text="ISO 639 codes, most preferred first.",
    )
    wants_interpreter = serializers.BooleanField(source="household.wants_interpreter")
    protected_identity = serializers.BooleanField(source="household.protected_identity")
    assignment_state = serializers.ChoiceField(choices=MoveIn.AssignmentState.choices)
    visit = CurrentVisitField(
        help_text="The open visit (planned or confirmed), else the latest completed one; null until assigned."
    )

    def get_url(self, move_in: MoveIn) -> str:
        return move_in_url(self.context["request"], move_in)

    def to_representation(self, move_in: MoveIn) -> dict[str, Any]:
        data = super().to_representation(move_in)
        if move_in.household.protected_identity and not sees_protected_identity(self.context["request"].user, move_in):
            for name in PROTECTED_FIELDS:
                data[name] = None
        return data


class MoveInInputSerializer(serializers.Serializer):
    """A move-in as the property system sends it: POST and PUT take every required field, PATCH any."""

    # For the schema only: the values are checked by `json_values` and tenants.intake.

    contract_number = serializers.CharField(max_length=50, help_text="The lease's number: the move-in's identity.")
    move_in_date = serializers.DateField(help_text="ISO 8601 date, e.g. 2026-12-01.")
    street_address = serializers.CharField(max_length=200)
    postal_code = serializers.CharField(help_text='Five digits: "60223" or "602 23".')
    district = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="One of the districts known to the app; needed when the building is new to it.",
    )
    apartment_number = serializers.CharField(max_length=20)
    contact_name = serializers.CharField(max_length=200)
    phone = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="Swedish (070-123 45 67) or international (+…)."
    )
    email = serializers.EmailField(required=False, allow_blank=True, allow_null=True)
    household_size = serializers.IntegerField(min_value=1, max_value=30, required=False, allow_null=True, default=1)
    languages = serializers.ListField(
        child=serializers.CharField(),
        min_length=1,
        help_text="ISO 639 codes (ar, so, prs) or Swedish names, most preferred first.",
    )
    wants_interpreter = serializers.BooleanField(required=False, allow_null=True, default=False)


class ConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    changed = serializers.ListField(child=serializers.CharField(), help_text="The fields that differ.")
    id = serializers.IntegerField(help_text="The existing move-in.")
    url = serializers.CharField()


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV (UTF-8 or Windows-1252; ; , or tab) or Excel .xlsx.")
    kind = serializers.ChoiceField(
        choices=Kind.choices,
        default=Kind.MOVE_INS,
        help_text="What the file holds: move-ins (the default), or outcomes keyed by the move-in's contract number.",
    )
    dry_run = serializers.BooleanField(default=False, help_text="Check and report; save nothing.")
    all_or_nothing = serializers.BooleanField(default=False, help_text="Save nothing if any row is rejected.")


class RowErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The API's name of the field, empty for the row as a whole.")
    column = serializers.CharField(help_text="The file's heading.")
    message = serializers.CharField()


class RowReportSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The row in the file (the heading is row 1).")
    contract_number = serializers.CharField()
    fate = serializers.ChoiceField(choices=Fate.choices)
    changed = serializers.ListField(child=serializers.CharField(), help_text="Fields changed by an update.")
    reassigning = serializers.BooleanField(help_text="The change moved the visit: it is planned again.")
    move_in_id = serializers.IntegerField(
        allow_null=True, help_text="The move-in the row is (or is about); null when nothing was saved."
    )
    errors = RowErrorSerializer(many=True)


class ImportReportSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    summary = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Rows by fate.")
    dry_run = serializers.BooleanField()
    all_or_nothing = serializers.BooleanField()
    saved = serializers.BooleanField()
    rows = RowReportSerializer(many=True)


def move_in_url(request: Request, move_in: MoveIn) -> str:
    return request.build_absolute_uri(reverse("api:move-in-detail", args=[move_in.id]))


# --- The request body --------------------------------------------------------------------------------


def json_values(data: object) -> dict[str, object]:
    """The record's fields from a JSON body, each of its documented JSON type; ValidationError per field
    otherwise. What the values mean (a real date, a known language) is tenants.intake's question."""
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": [_("Send the move-in as a JSON object.")]})
    errors: dict[str, list[str]] = {}
    for name, value in data.items():
        if name in READ_ONLY_FIELDS:
            continue
        if name not in RECORD_FIELDS:
            errors[str(name)] = [_("Unknown field.")]
        elif problem := _type_problem(name, value):
            errors[name] = [problem]
    if errors:
        raise ValidationError(errors)
    # null in an optional field is "no value", as leaving it out is (for PATCH: clear it).
    return {name: data[name] for name in RECORD_FIELDS if name in data}


def _type_problem(name: str, value: object) -> str | None:
    if value is None:
        return None if name in OPTIONAL_FIELDS else _("This field may not be null.")
    if name in TEXT_FIELDS:
        return _storable_text(value)
    if name == "household_size":
        if isinstance(value, bool) or not isinstance(value, int):
            return _("A whole number is required.")
        return None
    if name == "wants_interpreter":
        return None if isinstance(value, bool) else _("Must be true or false.")
    if name == "languages":
        if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
            return _("Give the languages as a list of ISO 639 codes.")
        return next(filter(None, map(_storable_text, value)), None)
    return None


def _storable_text(value: object) -> str | None:
    if not isinstance(value, str):
        return _("A text is required.")
    try:
        value.encode("utf-8")  # JSON can carry lone surrogates ("\ud800"), which no database stores
    except UnicodeEncodeError:
        return _("Contains characters that are not text.")
    return None


# --- Registering: the API's own rule, POST never overwrites ------------------------------------------


# --- Filters -----------------------------------------------------------------------------------------


class MoveInFilter(django_filters.FilterSet):
    move_in_date = django_filters.DateFromToRangeFilter(
        help_text="move_in_date_after / move_in_date_before: on or after, on or before (ISO dates)."
    )
    district = django_filters.CharFilter(
        field_name="apartment__building__district__name", lookup_expr="iexact", help_text="The district's name."
    )
    assignment_state = django_filters.ChoiceFilter(choices=MoveIn.AssignmentState.choices)
    contract_number = django_filters.CharFilter(lookup_expr="iexact")
    language = django_filters.CharFilter(
        # No DISTINCT needed: a household names each language once (a constraint), so the join repeats no row.
        field_name="household__languages__code",
        distinct=False,
        help_text="An ISO 639 code among the household's languages.",
    )
    ordering = django_filters.OrderingFilter(
        fields=(("move_in_date", "move_in_date"), ("contract_number", "contract_number"), ("id", "id"))
    )

    class Meta:
        model = MoveIn
        fields = ["move_in_date", "district", "assignment_state", "contract_number", "language"]


# --- The endpoints -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List move-ins", description="Latest move-in date first."),
    retrieve=extend_schema(summary="A move-in with its visit"),
)
class MoveInViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = MoveInSerializer
    permission_classes = [IsAuthenticated, MoveInAccess]
    filterset_class = MoveInFilter

    def get_queryset(self) -> QuerySet[MoveIn]:
        move_ins = (
            MoveIn.objects.select_related("household", "apartment__building__district")
            .prefetch_related("household__language_preferences", visits_shown_with_move_ins())
            .order_by("-move_in_date", "contract_number")
        )
        return visible_move_ins(self.request.user, move_ins)

    def retrieve(self, request: Request, pk: str) -> Response:
        move_in = self.get_object()
        audit.record_access(
            user=request.user,
            household_id=move_in.household_id,
            what=PersonalDataAccess.What.API_MOVE_IN,
            path=request.get_full_path(),
        )
        return Response(self.get_serializer(move_in).data)

    def _show(self, move_in: MoveIn, code: int) -> Response:
        """The move-in as stored now, read again with its visit."""
        fresh = self.get_queryset().get(id=move_in.id)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(
        summary="Register a move-in",
        description=(
            "Registers the move-in and sends it to be assigned a visitor. Safe to retry: the same contract "
            "number with the same data answers 200 with the move-in already registered; with other data "
            "409, naming the fields that differ (correct it with PUT or PATCH). " + FIELDS_RULE
        ),
        request=MoveInInputSerializer,
        responses={
            201: OpenApiResponse(MoveInSerializer, description="Registered; it will be assigned a visitor."),
            200: OpenApiResponse(MoveInSerializer, description="Already registered with the same data."),
            409: OpenApiResponse(ConflictSerializer, description="The contract number is taken, with other data."),
        },
        examples=[
            OpenApiExample(
                "A household that speaks Arabic",
                request_only=True,
                value={
                    "contract_number": "2026-10442",
                    "move_in_date": "2026-12-01",
                    "street_address": "Lindövägen 12",
                    "postal_code": "602 23",
                    "district": "Hageby",
                    "apartment_number": "1102",
                    "contact_name": "Fatima Haddad",
                    "phone": "070-123 45 67",
                    "email": "fatima@example.org",
                    "household_size": 4,
                    "languages": ["ar", "sv"],
                    "wants_interpreter": False,
                },
            )
        ],
    )
    def create(self, request: Request) -> Response:
        lookups = Lookups.load()
        record = clean_record(json_values(request.data), lookups)
        fate, move_in, changed = register_new(record, lookups)
        if fate is None:
            return Response(
                {
                    "detail": _(
                        "A move-in with contract number %(contract)s exists (id %(id)s) with other data: "
                        "%(fields)s. Change it with PUT or PATCH on %(url)s."
                    )
                    % {
                        "contract": move_in.contract_number,
                        "id": move_in.id,
                        "fields": ", ".join(changed),
                        "url": move_in_url(request, move_in),
                    },
                    "changed": list(changed),
                    "id": move_in.id,
                    "url": move_in_url(request, move_in),
                },
                status=status.HTTP_409_CONFLICT,
            )
        return self._show(move_in, status.HTTP_201_CREATED if fate == Fate.NEW else status.HTTP_200_OK)

    @extend_schema(
        summary="Correct a move-in (all fields)",
        description="A change of date or languages plans the visit again. The contract number cannot change. "
        + FIELDS_RULE,
        request=MoveInInputSerializer,
    )
    def update(self, request: Request, pk: str) -> Response:
        return self._correct(request, partial=False)

    @extend_schema(
        summary="Correct some fields of a move-in",
        description="The fields given replace the stored ones (null clears an optional field). A change of date "
        "or languages plans the visit again. The contract number cannot change. " + FIELDS_RULE,
        request=MoveInInputSerializer(partial=True),
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        return self._correct(request, partial=True)

    def _correct(self, request: Request, *, partial: bool) -> Response:
        move_in = self.get_object()
        values = json_values(request.data)
        given = values.get("contract_number")
        if isinstance(given, str) and given.strip().casefold() != move_in.contract_number.casefold():
            raise ValidationError(
                {"contract_number": [_("The contract number cannot be changed. Register a new move-in instead.")]}
            )
        base = asdict(stored_record(move_in)) if partial else {}
        lookups = Lookups.load()
        record = clean_record({**base, **values, "contract_number": move_in.contract_number}, lookups)
        save_record(record, lookups)
        return self._show(move_in, status.HTTP_200_OK)

    @extend_schema(
        summary="Import a file of move-ins or outcomes",
        description=(
            "The property system's CSV or .xlsx export, as the coordinators upload it: move-ins, or (kind) "
            "disturbance cases, move-out inspections or survey answers, each row naming its move-in by "
            "contract number. Each row is new, updated, unchanged or rejected (with the reason). Safe to repeat."
        ),
        request={"multipart/form-data": ImportRequestSerializer},
        responses={
            200: ImportReportSerializer,
            400: OpenApiResponse(
                {"type": "object", "additionalProperties": {}},
                description="No file, a file too large, or one that cannot be read as a whole.",
            ),
            403: OpenApiResponse(ERROR, description="Only coordinators import."),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser],
        permission_classes=[IsAuthenticated, ImportAccess],
        filterset_class=None,
        pagination_class=None,
    )
    def import_file(self, request: Request) -> Response:
        # Refused before the body is read: a file of gigabytes costs nothing but this check.
        if _int(request.META.get("CONTENT_LENGTH")) > settings.IMPORT_MAX_BYTES + MULTIPART_OVERHEAD_BYTES:
            raise ValidationError({"file": [_too_large(_int(request.META.get("CONTENT_LENGTH")))]})
        form = ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError({"file": [_too_large(upload.size)]})
        try:
            report = import_file(
                upload.read(),
                filename=upload.name or "",
                dry_run=form.validated_data["dry_run"],
                all_or_nothing=form.validated_data["all_or_nothing"],
                kind=form.validated_data["kind"],
            )
        except ValidationError as error:
            raise ValidationError({"file": error.messages}) from None
        return Response(ImportReportSerializer(_report_data(report)).data)


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _too_large(size: int) -> str:
    return _("The file is %(size)s; files larger than %(limit)s cannot be imported. Split it into smaller files.") % {
        "size": filesizeformat(size),
        "limit": filesizeformat(settings.IMPORT_MAX_BYTES),
    }


def _report_data(report: ImportReport) -> dict[str, object]:
    return {
        "kind": report.kind,
        "summary": report.summary(),
        "counts": report.counts,
        "dry_run": report.dry_run,
        "all_or_nothing": report.all_or_nothing,
        "saved": report.saved,
        "rows": [
            {
                "number": row.number,
                "contract_number": row.contract_number,
                "fate": row.fate.value,
                "changed": list(row.changed),
                "reassigning": row.reassigning,
                "move_in_id": row.move_in_id,
                "errors": [asdict(error) for error in row.errors],
            }
            for row in report.rows
        ],
    }
