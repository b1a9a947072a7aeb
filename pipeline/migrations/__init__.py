"""Schema migrations (Alembic), usable from an installed package: no alembic.ini needed.

How `Store` and Alembic coexist:

* ``Store(db)`` on an empty database creates the schema by running the migrations
  (``upgrade head``), so every database has an ``alembic_version`` row and the schema a
  migration produces is the only schema there is (a test checks it equals store.py's
  models). On a database already at head it only reads ``alembic_version``.
* ``Store(db)`` on an older database (an earlier revision, or one created before
  migrations existed: tables but no ``alembic_version``) refuses with a message naming
  ``zhfacts db upgrade --db DB``: a user's data changes shape only when they ask for it.
* ``zhfacts db upgrade`` stamps an unversioned database as 0001 (the schema
  ``Store.create_schema()`` made before Alembic) and upgrades it to head.

New migration: ``alembic -x db=... revision -m "..."`` is not wired up; copy the newest
file in versions/, bump ``revision``/``down_revision`` and HEAD below (a test checks HEAD).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

HEAD = "0003"
FIRST = "0001"  # the schema Store.create_schema() made before migrations existed
MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Any:
    """An Alembic Config built in code, pointing at this package's scripts."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # ConfigParser interpolation
    # env.py runs on this connection (same transaction, lock and in-memory database)
    cfg.attributes["connection"] = connection
    return cfg


def schema_revision(conn: Connection) -> str | None:
    """The database's revision; "unversioned" for tables without Alembic; None when empty."""
    from alembic.runtime.migration import MigrationContext

    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables:
        return MigrationContext.configure(conn).get_current_revision()
    return "unversioned" if "documents" in tables else None


def _lock(conn: Connection) -> None:
    """Serialise schema changes between processes (two `zhfacts run` on a new database)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock; others wait (busy_timeout)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(74656)")


def ensure_schema(engine: Engine) -> None:
    """What `Store(db)` does: create a new database at head, accept one at head, refuse older ones."""
    from alembic import command

    from pipeline.store import StoreError

    with engine.connect() as conn:
        if schema_revision(conn) == HEAD:
            return
    with engine.connect() as conn:
        _lock(conn)
        revision = schema_revision(conn)  # again, under the lock
        if revision is None:
            command.upgrade(alembic_config(conn), "head")
        elif revision != HEAD:
            conn.rollback()
            raise StoreError(f"the database schema is at revision {revision}, this zhfacts needs {HEAD}: "
                             "back it up if you like, then run `zhfacts db upgrade --db DB`")
        conn.commit()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Bring a database to `revision`; return (revision before, revision after)."""
    from alembic import command

    with engine.connect() as conn:
        _lock(conn)
        before = schema_revision(conn)
        cfg = alembic_config(conn)
        if before == "unversioned":
            command.stamp(cfg, FIRST)
        command.upgrade(cfg, revision)
        after = schema_revision(conn)
        conn.commit()
    return before, after
