"""The languages in the REST API, read-only for anyone signed in: the codes a move-in's `languages` take."""

import django_filters
from django.db.models import Q, QuerySet
from rest_framework import serializers, viewsets
from rest_framework.permissions import IsAuthenticated

from languages.models import Language


class LanguageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Language
        fields = ["code", "iso639_3", "name_sv", "name_en", "name_native", "direction"]


class LanguageFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", help_text="Part of a name (Swedish, English or native), or a code.")

    class Meta:
        model = Language
        fields = ["q"]

    def search(self, languages: QuerySet[Language], name: str, value: str) -> QuerySet[Language]:
        value = value.strip()
        if not value:
            return languages
        return languages.filter(
            Q(name_sv__icontains=value)
            | Q(name_en__icontains=value)
            | Q(name_native__icontains=value)
            | Q(code__iexact=value)
            | Q(iso639_3__iexact=value)
        )


class LanguageViewSet(viewsets.ReadOnlyModelViewSet):
    """ISO 639 languages with their names, in Swedish alphabetical order."""

    queryset = Language.objects.order_by("name_sv", "code")
    serializer_class = LanguageSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = LanguageFilter
    lookup_field = "code"
