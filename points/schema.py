"""What the database does for the ledger that the ORM cannot express: guards (append-only
triggers and, on PostgreSQL, a deferred check that every transaction's postings sum to
zero).

The same statements serve ``Base.metadata.create_all`` (tests) and the Alembic
migrations (2026_11_24_02 installs them), so both databases end up alike. Changing them
therefore needs a new migration that drops and reinstalls them.
"""

from __future__ import annotations

from sqlalchemy import event

from points.models import Base

APPEND_ONLY = ("ledger_postings", "ledger_transactions")


def guard_ddl(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"""CREATE TRIGGER {table}_append_only_{op.lower()} BEFORE {op} ON {table}
                    BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"""
            for table in APPEND_ONLY
            for op in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            """CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END $$""",
            *[
                f"""CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                  FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"""
                for table in APPEND_ONLY
            ],
            """CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
               DECLARE total bigint; n integer;
               BEGIN
                 SELECT coalesce(sum(amount), 0), count(*) INTO total, n
                   FROM ledger_postings WHERE transaction_id = NEW.transaction_id;
                 IF total <> 0 OR n < 2 THEN
                   RAISE EXCEPTION USING MESSAGE = 'ledger transaction ' || NEW.transaction_id
                     || ' is unbalanced (sum ' || total || ', ' || n || ' postings)';
                 END IF;
                 RETURN NULL;
               END $$""",
            """CREATE CONSTRAINT TRIGGER ledger_postings_balanced AFTER INSERT ON ledger_postings
               DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced()""",
        ]
    return []


def drop_guard_ddl(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only_{op.lower()}"
            for table in APPEND_ONLY
            for op in ("update", "delete")
        ]
    if dialect == "postgresql":
        return [
            *[f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}" for table in APPEND_ONLY],
            "DROP TRIGGER IF EXISTS ledger_postings_balanced ON ledger_postings",
            "DROP FUNCTION IF EXISTS ledger_append_only()",
            "DROP FUNCTION IF EXISTS ledger_check_balanced()",
        ]
    return []


def install_guards(connection) -> None:
    """Plain driver SQL (the statements contain no ``%``, so no driver interpolates them)."""
    _run(connection, guard_ddl(connection.dialect.name))


def _run(connection, statements: list[str]) -> None:
    for statement in statements:
        connection.exec_driver_sql(statement)


def _install(target, connection, **_kw) -> None:
    install_guards(connection)


event.listen(Base.metadata, "after_create", _install)
