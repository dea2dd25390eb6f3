"""Move-ins and visits as CSV or Excel: /exports/move-ins.csv, /exports/visits.xlsx and so on, with the
filters in the query string (first_day, last_day, district, status)."""

from django.urls import re_path

from visits import export_views

app_name = "exports"

urlpatterns = [
    re_path(r"^move-ins\.(?P<file_format>csv|xlsx)$", export_views.move_ins, name="move_ins"),
    re_path(r"^visits\.(?P<file_format>csv|xlsx)$", export_views.visits, name="visits"),
]
