from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    """Everything the programme says to people: message texts per language, the outbox, and the SMS
    and e-mail channels. Its own app because it is infrastructure every other app uses, not a part of
    the visit domain."""

    name = "messaging"
    verbose_name = _("Messages")
