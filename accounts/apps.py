from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from accounts import two_factor

        user_logged_in.connect(two_factor.remember_at_login, dispatch_uid="accounts.two_factor_at_login")
