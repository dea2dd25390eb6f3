from django.urls import path, re_path

from tenants import privacy_views
from visits import dashboard_views

app_name = "dashboard"

urlpatterns = [
    path("", dashboard_views.index, name="index"),
    # Who opened which household's personal data.
    path("data-access/", privacy_views.data_access_log, name="data_access"),
    # /dashboard/export.csv and /dashboard/export.xlsx, with the page's query string.
    re_path(r"^export\.(?P<file_format>csv|xlsx)$", dashboard_views.export, name="export"),
]
