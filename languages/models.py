from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Language(models.Model):
    """An ISO 639 language with its names, loaded from CLDR (see languages/catalogue.py), not typed in."""

    class Direction(models.TextChoices):
        LTR = "ltr", _("Left to right")
        RTL = "rtl", _("Right to left")

    # ISO 639-1 where the language has one (ar, so, ti), otherwise ISO 639-3 (prs, ckb, kmr).
    code = models.CharField(_("code"), max_length=3, primary_key=True)
    iso639_3 = models.CharField(_("ISO 639-3 code"), max_length=3, blank=True)
    name_sv = models.CharField(_("name in Swedish"), max_length=100)
    name_en = models.CharField(_("name in English"), max_length=100)
    name_native = models.CharField(_("name in the language itself"), max_length=100, blank=True)
    direction = models.CharField(_("writing direction"), max_length=3, choices=Direction, default=Direction.LTR)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        ordering = ["name_sv"]
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[a-z]{2,3}$"), name="language_code_is_iso639"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the UI language (Swedish unless the user chose English)."""
        return self.name_en if (get_language() or "sv").startswith("en") else self.name_sv

    @property
    def is_rtl(self) -> bool:
        return self.direction == self.Direction.RTL
