from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Tenants")

    def ready(self) -> None:
        from tenants import audit

        # Changes made by Celery tasks carry the task's name in their history (PostgreSQL).
        audit.connect_task_context()
