from django.urls import path, re_path

from tenants import privacy_views
from visits import dashboard_views, impact_views

app_name = "dashboard"

urlpatterns = [
    path("", dashboard_views.index, name="index"),
    # Who opened which household's personal data.
    path("data-access/", privacy_views.data_access_log, name="data_access"),
    # /dashboard/export.csv and /dashboard/export.xlsx, with the page's query string.
    re_path(r"^export\.(?P<file_format>csv|xlsx)$", dashboard_views.export, name="export"),
    # Do the visits work? Outcomes of households visited in time, late and not at all (issue 9).
    path("impact/", impact_views.index, name="impact"),
    re_path(r"^impact/export\.(?P<file_format>csv|xlsx)$", impact_views.export, name="impact_export"),
]
