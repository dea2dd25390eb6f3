from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalenConfig(AppConfig):
    name = "portalen"
    verbose_name = _("Portalen")
