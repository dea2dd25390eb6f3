"""On PostgreSQL the database itself forbids two visits of one visitor at overlapping times, so that no
race between workers can double-book a visitor. SQLite (the embedded, single-machine default) has no
exclusion constraints; there the assignment service's serialised transactions are the guard."""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE visits_visit ADD CONSTRAINT visit_no_overlap_per_visitor
    EXCLUDE USING gist (visitor_id WITH =, tstzrange(starts_at, ends_at) WITH &&)
    WHERE (status <> 'cancelled');
"""
DROP = "ALTER TABLE visits_visit DROP CONSTRAINT IF EXISTS visit_no_overlap_per_visitor;"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
