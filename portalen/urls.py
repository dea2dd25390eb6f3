from django.urls import path

from portalen import views

app_name = "portalen"
# No ids in the paths: a referral is named by its reference in the query string or the form, as Portalen's
# staff name it (P-00042).
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("status/", views.status, name="status"),
    path("import/", views.import_statuses, name="import"),
    path("refer/", views.refer, name="refer"),
    path("funnel/", views.funnel, name="funnel"),
    path("funnel.csv", views.funnel_export, name="funnel_export"),
]
