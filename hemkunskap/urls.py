from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from hemkunskap import health, views
from visits import household_page

admin.site.site_header = _("Hemkunskap administration")
admin.site.site_title = _("Hemkunskap")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("visits/", include("visits.urls")),
    path("coordinator/", include("visits.coordination_urls")),
    path("dashboard/", include("visits.dashboard_urls")),
    path("messaging/", include("messaging.urls")),
    # The household's own page: short, for links in SMS. No login; the signed token is the key.
    path("h/<str:token>/", household_page.page, name="household_page"),
    path("admin/", admin.site.urls),
]
