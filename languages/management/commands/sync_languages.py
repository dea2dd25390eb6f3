from typing import Any

from django.core.management.base import BaseCommand

from languages.services import sync_languages


class Command(BaseCommand):
    help = (
        "Bring the language table up to date with the catalogue (CLDR via Babel, pycountry, and the overrides "
        "in languages/catalogue.py). Run after upgrading Babel or pycountry. Never deletes a language."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = sync_languages()
        self.stdout.write(
            self.style.SUCCESS(
                f"Languages: {result.created} created, {result.updated} updated, {result.unchanged} unchanged."
            )
        )
