"""Schema migrations (Alembic), usable from an installed package: no alembic.ini needed.

How `Store` and Alembic coexist:

* ``Store(db)`` on an empty database creates the schema at head the way Alembic's
  cookbook builds a fresh database ("Building an Up to Date Database from Scratch"):
  ``create_all`` from store.py's tables, then the head revision stamped. A test checks
  the result is the schema running every migration produces (SQLite and PostgreSQL), and
  another that the migrations produce store.py's tables. On a database already at head
  it only reads ``alembic_version``. Neither path imports Alembic (~0.1 CPU-s a run).
* ``Store(db)`` on an older database (an earlier revision, or one created before
  migrations existed: tables but no ``alembic_version``) refuses with a message naming
  ``zhfacts db upgrade --db DB``: a user's data changes shape only when they ask for it.
* ``zhfacts db upgrade`` stamps an unversioned database as 0001 (the schema
  ``Store.create_schema()`` made before Alembic) and upgrades it to head.

New migration: ``alembic -x db=... revision -m "..."`` is not wired up; copy the newest
file in versions/, bump ``revision``/``down_revision`` and HEAD below (a test checks HEAD),
and change store.py's tables (and FACTS_VIEW_SQL) to match (tests check both).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, inspect, insert, select
from sqlalchemy.engine import Connection, Engine

HEAD = "0003"
FIRST = "0001"  # the schema Store.create_schema() made before migrations existed
MIGRATIONS_DIR = Path(__file__).resolve().parent

# Alembic's version table as Alembic defines it (alembic.ddl.impl.version_table_impl):
# read and written here so that a run never needs to import Alembic.
VERSION_TABLE = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


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
    tables = set(inspect(conn).get_table_names())
    if VERSION_TABLE.name in tables:
        # one row: the history is linear (several would be branches, an error here too)
        return conn.execute(select(VERSION_TABLE.c.version_num)).scalar_one_or_none()
    return "unversioned" if "documents" in tables else None


def _lock(conn: Connection) -> None:
    """Serialise schema changes between processes (two `zhfacts run` on a new database)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock; others wait (busy_timeout)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(74656)")


def ensure_schema(engine: Engine) -> None:
    """What `Store(db)` does: create a new database at head, accept one at head, refuse older ones."""
    from pipeline.store import StoreError

    with engine.connect() as conn:
        if schema_revision(conn) == HEAD:
            return
    with engine.connect() as conn:
        _lock(conn)
        revision = schema_revision(conn)  # again, under the lock
        if revision is None:
            create_at_head(conn)
        elif revision != HEAD:
            conn.rollback()
            raise StoreError(f"the database schema is at revision {revision}, this zhfacts needs {HEAD}: "
                             "back it up if you like, then run `zhfacts db upgrade --db DB`")
        conn.commit()


def create_at_head(conn: Connection) -> None:
    """An empty database's schema at head: store.py's tables and view, and the head revision.

    What `upgrade head` from nothing produces (tests/test_migrations.py compares the two),
    without importing Alembic or replaying history (0003 copies the facts table).
    """
    from pipeline.store import FACTS_VIEW_SQL, METADATA

    METADATA.create_all(conn, checkfirst=False)  # a table already there is an error, as in a migration
    conn.exec_driver_sql(FACTS_VIEW_SQL)
    # Alembic keeps its table (empty) when everything is downgraded: reuse it then, as upgrade does
    VERSION_TABLE.create(conn, checkfirst=True)
    conn.execute(insert(VERSION_TABLE).values(version_num=HEAD))


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
