"""The visits in the REST API: read-only. Coordinators and managers read every visit, a visitor their own
(hemkunskap.api_permissions). Writes go through the web app, where the rules about visits live."""

import datetime

import django_filters
from django import forms
from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from hemkunskap.api_permissions import visible_visits
from visits.models import Visit, Visitor, VisitorLanguage
from visits.scheduling import STOCKHOLM

# Days outside these bounds are taken as these bounds: no visit lies outside them, and midnight of year 1
# in Stockholm is not a datetime the database can be asked about.
EARLIEST_DAY = datetime.date(2000, 1, 1)
LATEST_DAY = datetime.date(2100, 12, 31)


def visitor_language_codes(visitor: Visitor) -> list[str]:
    """Strongest first (uses prefetched language_skills)."""
    skills = sorted(visitor.language_skills.all(), key=lambda skill: (-skill.level, skill.language_id))
    return [skill.language_id for skill in skills]


def visits_with_visitors(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """What the API shows of a visit's visitor, in two queries for any number of visits."""
    return visits.select_related("visitor__user").prefetch_related(
        Prefetch("visitor__language_skills", VisitorLanguage.objects.order_by())
    )


class VisitorSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    languages = serializers.SerializerMethodField(help_text="ISO 639 codes, strongest first.")

    def get_name(self, visitor: Visitor) -> str:
        return str(visitor)

    def get_languages(self, visitor: Visitor) -> list[str]:
        return visitor_language_codes(visitor)


class VisitTimeSerializer(serializers.Serializer):
    """A welcome visit: who makes it, when, and in which language."""

    id = serializers.IntegerField()
    visitor = VisitorSummarySerializer()
    start = serializers.DateTimeField(source="starts_at", help_text="ISO 8601, Stockholm time with its offset.")
    end = serializers.DateTimeField(source="ends_at")
    status = serializers.ChoiceField(choices=Visit.Status.choices)
    language = serializers.CharField(source="language_id", allow_null=True, help_text="ISO 639 code.")
    interpreter_needed = serializers.BooleanField()
    interpreter_language = serializers.CharField(
        source="interpreter_language_id", allow_null=True, help_text="ISO 639 code, or null without interpreter."
    )


class MoveInReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contract_number = serializers.CharField()


class VisitSerializer(VisitTimeSerializer):
    move_in = MoveInReferenceSerializer()


class IdFilter(django_filters.NumberFilter):
    """An id: a whole number within the database's range (anything else is a 400, not a failed query)."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(min(max(day, EARLIEST_DAY), LATEST_DAY), datetime.time.min, tzinfo=STOCKHOLM)


class VisitFilter(django_filters.FilterSet):
    date = django_filters.DateFilter(method="filter_day", help_text="Visits starting on this day (Stockholm).")
    date_from = django_filters.DateFilter(method="filter_from", help_text="Starting on or after this day.")
    date_to = django_filters.DateFilter(method="filter_to", help_text="Starting on or before this day.")
    visitor = IdFilter(field_name="visitor_id", help_text="The visitor's id.")
    move_in = IdFilter(field_name="move_in_id", help_text="The move-in's id.")
    status = django_filters.ChoiceFilter(choices=Visit.Status.choices)
    ordering = django_filters.OrderingFilter(fields=(("starts_at", "start"), ("id", "id")))

    class Meta:
        model = Visit
        fields = ["date", "date_from", "date_to", "visitor", "move_in", "status"]

    def filter_day(self, visits: QuerySet[Visit], name: str, day: datetime.date) -> QuerySet[Visit]:
        return self.filter_to(self.filter_from(visits, name, day), name, day)

    def filter_from(self, visits: QuerySet[Visit], name: str, day: datetime.date) -> QuerySet[Visit]:
        return visits.filter(starts_at__gte=_midnight(day))

    def filter_to(self, visits: QuerySet[Visit], name: str, day: datetime.date) -> QuerySet[Visit]:
        if day >= LATEST_DAY:
            return visits
        return visits.filter(starts_at__lt=_midnight(day + datetime.timedelta(days=1)))


class VisitViewSet(viewsets.ReadOnlyModelViewSet):
    """Welcome visits, earliest first. A visitor sees only their own; any other visit is 404."""

    serializer_class = VisitSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = VisitFilter

    def get_queryset(self) -> QuerySet[Visit]:
        visits = visits_with_visitors(Visit.objects.select_related("move_in")).order_by("starts_at", "id")
        return visible_visits(self.request.user, visits)


@extend_schema_field(VisitTimeSerializer(allow_null=True))
class CurrentVisitField(serializers.Field):
    """For a move-in: its open visit (planned or confirmed) if any, else its latest completed one, else
    null. Reads the visits prefetched by tenants.api (`api_visits`)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, move_in: object) -> dict | None:
        visit = current_visit(getattr(move_in, "api_visits", []))
        return VisitTimeSerializer(visit).data if visit is not None else None


def current_visit(visits: list[Visit]) -> Visit | None:
    open_visits = [visit for visit in visits if visit.status in Visit.OPEN_STATUSES]
    if open_visits:
        return open_visits[0]  # at most one (a constraint says so)
    completed = [visit for visit in visits if visit.status == Visit.Status.COMPLETED]
    return max(completed, key=lambda visit: visit.starts_at, default=None)


def visits_shown_with_move_ins() -> Prefetch:
    """The prefetch that CurrentVisitField reads: a move-in's open and completed visits with visitors."""
    shown = Visit.objects.filter(status__in=[*Visit.OPEN_STATUSES, Visit.Status.COMPLETED])
    return Prefetch("visits", visits_with_visitors(shown), to_attr="api_visits")
