"""The first message texts: five household kinds in the nine languages of the demo team.

Creates only the rows that do not exist yet, so it never overwrites a text a coordinator has edited;
unapplying it removes nothing (the texts may have been edited by then). Swedish and English start
approved, the other seven as drafts awaiting approval by a speaker (see messaging/seed_texts.py).
"""

from django.db import migrations

# Imported from the app, which a migration normally avoids: the texts are data, not schema, and
# create_missing_texts() takes the historical models passed in below and imports no models itself. If
# seed_texts.py changes later, a database that already ran this migration is unaffected, and a new one
# gets the newer texts, which is what a new installation should get.
from messaging.seed_texts import create_missing_texts


def create_texts(apps, schema_editor):
    create_missing_texts(
        apps.get_model("messaging", "MessageTemplate"),
        apps.get_model("languages", "Language"),
        using=schema_editor.connection.alias,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("languages", "0002_load_languages"),
        ("messaging", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_texts, migrations.RunPython.noop),
    ]
