from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from visits import roles

        # Each app's permissions exist only after its own post_migrate: sync after every app's, so the
        # last one leaves the groups complete.
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="visits.sync_roles")
        user_logged_in.connect(roles.remember_roles, dispatch_uid="visits.remember_roles")
