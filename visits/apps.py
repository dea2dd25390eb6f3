from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("Visits")

    def ready(self) -> None:
        from visits import roles

        # Permissions exist only after every app has migrated, so the role groups are synced then.
        post_migrate.connect(roles.sync_roles_after_migrate, sender=self)
