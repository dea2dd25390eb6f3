# ruff: noqa: S608  (DDL built from constants in this module, never from input)
"""The database triggers that tell the dashboard's rollups which days to count again (issue 8).

Whenever a visit, a move-in or a household's languages change – through a service, the admin, a bulk
update or plain SQL – a trigger writes the affected days into visits_dashboardstale in the same transaction:
nothing can change the numbers without saying so, and nothing is marked before it commits.
visits.dashboard_rollups.refresh counts those days again. Installed by migration 0009 on PostgreSQL and on
SQLite (the embedded default), each in its own dialect.

What a change marks:
- a visit: its move-in's date (days to the first completed visit) and its day in Stockholm, before and after
  the change; only when a column the dashboard reads changes;
- a move-in: its date before and after (a new, moved or deleted move-in, or another household);
- a household language: the dates of the household's move-ins (the first language is counted per move-in).
"""

# Columns of visits_visit the rollups read: a change to any other (a note, the link nonce) marks nothing.
VISIT_COLUMNS = (
    "move_in_id",
    "visitor_id",
    "starts_at",
    "ends_at",
    "status",
    "language_id",
    "interpreter_needed",
    "interpreter_language_id",
)

STALE = "visits_dashboardstale"


def _changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)


def _sqlite_changed(columns: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)


POSTGRESQL_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION visits_dashboard_stale_visit() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO {STALE} (move_in_date, visit_day) VALUES (
                (SELECT move_in_date FROM tenants_movein WHERE id = OLD.move_in_id),
                (OLD.starts_at AT TIME ZONE 'Europe/Stockholm')::date);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO {STALE} (move_in_date, visit_day) VALUES (
                (SELECT move_in_date FROM tenants_movein WHERE id = NEW.move_in_id),
                (NEW.starts_at AT TIME ZONE 'Europe/Stockholm')::date);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE OR REPLACE FUNCTION visits_dashboard_stale_move_in() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO {STALE} (move_in_date) VALUES (OLD.move_in_date);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO {STALE} (move_in_date) VALUES (NEW.move_in_date);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE OR REPLACE FUNCTION visits_dashboard_stale_household_language() RETURNS trigger AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO {STALE} (move_in_date)
            SELECT move_in_date FROM tenants_movein WHERE household_id = OLD.household_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO {STALE} (move_in_date)
            SELECT move_in_date FROM tenants_movein WHERE household_id = NEW.household_id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """CREATE TRIGGER dashboard_stale_visit_insert_delete AFTER INSERT OR DELETE ON visits_visit
       FOR EACH ROW EXECUTE FUNCTION visits_dashboard_stale_visit()""",
    f"""CREATE TRIGGER dashboard_stale_visit_update AFTER UPDATE ON visits_visit
       FOR EACH ROW WHEN ({_changed(VISIT_COLUMNS)}) EXECUTE FUNCTION visits_dashboard_stale_visit()""",
    """CREATE TRIGGER dashboard_stale_move_in_insert_delete AFTER INSERT OR DELETE ON tenants_movein
       FOR EACH ROW EXECUTE FUNCTION visits_dashboard_stale_move_in()""",
    f"""CREATE TRIGGER dashboard_stale_move_in_update AFTER UPDATE ON tenants_movein
       FOR EACH ROW WHEN ({_changed(("move_in_date", "household_id"))})
       EXECUTE FUNCTION visits_dashboard_stale_move_in()""",
    """CREATE TRIGGER dashboard_stale_household_language AFTER INSERT OR UPDATE OR DELETE
       ON tenants_householdlanguage FOR EACH ROW EXECUTE FUNCTION visits_dashboard_stale_household_language()""",
]

POSTGRESQL_UNINSTALL = [
    "DROP TRIGGER IF EXISTS dashboard_stale_visit_insert_delete ON visits_visit",
    "DROP TRIGGER IF EXISTS dashboard_stale_visit_update ON visits_visit",
    "DROP TRIGGER IF EXISTS dashboard_stale_move_in_insert_delete ON tenants_movein",
    "DROP TRIGGER IF EXISTS dashboard_stale_move_in_update ON tenants_movein",
    "DROP TRIGGER IF EXISTS dashboard_stale_household_language ON tenants_householdlanguage",
    "DROP FUNCTION IF EXISTS visits_dashboard_stale_visit()",
    "DROP FUNCTION IF EXISTS visits_dashboard_stale_move_in()",
    "DROP FUNCTION IF EXISTS visits_dashboard_stale_household_language()",
]


# SQLite has no time zones: starts_at is stored in UTC, and a Stockholm day is the UTC date or the next
# one (UTC+1 or +2), so both are marked; counting a day again that did not change costs nothing else.
def _sqlite_visit_marks(row: str) -> str:
    move_in_date = f"(SELECT move_in_date FROM tenants_movein WHERE id = {row}.move_in_id)"
    return (
        f"INSERT INTO {STALE} (move_in_date, visit_day) VALUES "
        f"({move_in_date}, date({row}.starts_at)), (NULL, date({row}.starts_at, '+1 day'));"
    )


def _sqlite_household_marks(row: str) -> str:
    return (
        f"INSERT INTO {STALE} (move_in_date) "
        f"SELECT move_in_date FROM tenants_movein WHERE household_id = {row}.household_id;"
    )


SQLITE_INSTALL = [
    f"""CREATE TRIGGER dashboard_stale_visit_insert AFTER INSERT ON visits_visit
        BEGIN {_sqlite_visit_marks("NEW")} END""",
    f"""CREATE TRIGGER dashboard_stale_visit_delete AFTER DELETE ON visits_visit
        BEGIN {_sqlite_visit_marks("OLD")} END""",
    f"""CREATE TRIGGER dashboard_stale_visit_update AFTER UPDATE ON visits_visit
        WHEN {_sqlite_changed(VISIT_COLUMNS)}
        BEGIN {_sqlite_visit_marks("OLD")} {_sqlite_visit_marks("NEW")} END""",
    f"""CREATE TRIGGER dashboard_stale_move_in_insert AFTER INSERT ON tenants_movein
        BEGIN INSERT INTO {STALE} (move_in_date) VALUES (NEW.move_in_date); END""",
    f"""CREATE TRIGGER dashboard_stale_move_in_delete AFTER DELETE ON tenants_movein
        BEGIN INSERT INTO {STALE} (move_in_date) VALUES (OLD.move_in_date); END""",
    f"""CREATE TRIGGER dashboard_stale_move_in_update AFTER UPDATE ON tenants_movein
        WHEN {_sqlite_changed(("move_in_date", "household_id"))}
        BEGIN INSERT INTO {STALE} (move_in_date) VALUES (OLD.move_in_date), (NEW.move_in_date); END""",
    f"""CREATE TRIGGER dashboard_stale_household_language_insert AFTER INSERT ON tenants_householdlanguage
        BEGIN {_sqlite_household_marks("NEW")} END""",
    f"""CREATE TRIGGER dashboard_stale_household_language_update AFTER UPDATE ON tenants_householdlanguage
        BEGIN {_sqlite_household_marks("OLD")} {_sqlite_household_marks("NEW")} END""",
    f"""CREATE TRIGGER dashboard_stale_household_language_delete AFTER DELETE ON tenants_householdlanguage
        BEGIN {_sqlite_household_marks("OLD")} END""",
]

SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "dashboard_stale_visit_insert",
        "dashboard_stale_visit_delete",
        "dashboard_stale_visit_update",
        "dashboard_stale_move_in_insert",
        "dashboard_stale_move_in_delete",
        "dashboard_stale_move_in_update",
        "dashboard_stale_household_language_insert",
        "dashboard_stale_household_language_update",
        "dashboard_stale_household_language_delete",
    )
]


def _run(schema_editor, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


# Every day that has data is marked once when the triggers are installed, so the first refresh counts the
# history that was there before them.
POSTGRESQL_MARK_ALL = [
    f"INSERT INTO {STALE} (move_in_date) SELECT DISTINCT move_in_date FROM tenants_movein",
    f"""INSERT INTO {STALE} (visit_day)
        SELECT DISTINCT (starts_at AT TIME ZONE 'Europe/Stockholm')::date FROM visits_visit""",
]
SQLITE_MARK_ALL = [
    f"INSERT INTO {STALE} (move_in_date) SELECT DISTINCT move_in_date FROM tenants_movein",
    f"""INSERT INTO {STALE} (visit_day) SELECT DISTINCT date(starts_at) FROM visits_visit
        UNION SELECT DISTINCT date(starts_at, '+1 day') FROM visits_visit""",
]


def install(apps, schema_editor) -> None:
    _run(
        schema_editor,
        {"postgresql": POSTGRESQL_INSTALL + POSTGRESQL_MARK_ALL, "sqlite": SQLITE_INSTALL + SQLITE_MARK_ALL},
    )


def mark_all(apps, schema_editor) -> None:
    """Mark every day that has data, for the next refresh to count again (after the rollups change shape)."""
    _run(schema_editor, {"postgresql": POSTGRESQL_MARK_ALL, "sqlite": SQLITE_MARK_ALL})


def uninstall(apps, schema_editor) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_UNINSTALL, "sqlite": SQLITE_UNINSTALL})
