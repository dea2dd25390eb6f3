from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from hemkunskap import health, views
from hemkunskap.api_docs import DocsView, SchemaView
from visits import household_page

admin.site.site_header = _("Hemkunskap administration")
admin.site.site_title = _("Hemkunskap")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Change and reset password: Django's views with the admin's templates.
    path("accounts/password_change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password_reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    # Two-factor authentication: the code after the password, and setting up an authenticator app.
    path("accounts/two-factor/", include("accounts.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("visits/", include("visits.urls")),
    path("coordinator/", include("visits.coordination_urls")),
    path("dashboard/", include("visits.dashboard_urls")),
    path("exports/", include("visits.export_urls")),
    path("messaging/", include("messaging.urls")),
    path("portalen/", include("portalen.urls")),
    # The household's own page: short, for links in SMS. No login; the signed token is the key.
    path("h/<str:token>/", household_page.page, name="household_page"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("hemkunskap.api_urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
]

# The database gone (PostgreSQL restarting): 503 with Retry-After instead of Django's 500 (with DEBUG off).
handler500 = "hemkunskap.errors.server_error"
