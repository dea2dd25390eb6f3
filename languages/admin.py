from django.contrib import admin

from languages.models import Language


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["code", "name_sv", "name_en", "name_native", "direction"]
    list_filter = ["direction"]
    search_fields = ["code", "iso639_3", "name_sv", "name_en", "name_native"]
