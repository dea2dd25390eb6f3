"""Load the language catalogue (CLDR via Babel, pycountry, and the overrides in languages/catalogue.py).

Later corrections, e.g. after a Babel upgrade, are made by `manage.py sync_languages`, not by new
migrations: a migration that reads a library's data gives whatever that library version says.
"""

from django.db import migrations

from languages.catalogue import build_catalogue


def load_languages(apps, schema_editor):
    Language = apps.get_model("languages", "Language")
    # Fields named one by one so that a later change to LanguageRow cannot break this historical model.
    Language.objects.using(schema_editor.connection.alias).bulk_create(
        [
            Language(
                code=row.code,
                iso639_3=row.iso639_3,
                name_sv=row.name_sv,
                name_en=row.name_en,
                name_native=row.name_native,
                direction=row.direction,
            )
            for row in build_catalogue()
        ],
        # A language someone already added by hand is kept as it is; sync_languages corrects it.
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("languages", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(load_languages, migrations.RunPython.noop),
    ]
