"""Schema migrations: new databases at head, `zhfacts db upgrade` brings old ones there, data kept."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.migrations import FIRST, HEAD, alembic_config, schema_revision, upgrade
from pipeline.store import FACTS_VIEW_SQL, METADATA, Store, StoreError, make_engine
from sample_facts import DOCS, N_FACTS, N_SENTENCES, build_sample_db, document_result, sql_rows

runner = CliRunner()
NEW_INDEXES = {"ix_documents_published", "ix_facts_run_id"}  # what 0002 adds


def indexes(db: str) -> set[str]:
    return {n for (n,) in sql_rows(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_%'")}


def everything(db: str) -> dict[str, list[tuple[object, ...]]]:
    return {t: sql_rows(db, f"SELECT * FROM {t} ORDER BY 1") for t in
            ("runs", "documents", "articles", "sentences", "facts", "errors", "facts_view")}


def make_0001_database(path: Path, *, versioned: bool = True) -> str:
    """A database with the first released schema and the sample data in it.

    Unversioned = what `Store.create_schema()` made before migrations: the same tables,
    no alembic_version table.
    """
    from alembic import command

    db = str(path)
    engine = make_engine(db)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), FIRST)
        if not versioned:
            conn.exec_driver_sql("DROP TABLE alembic_version")
    engine.dispose()
    store = Store(db, create=False)  # the writer works on the 0001 schema as is
    run = store.start_run("0.1.0", "blank", {"paths": ["old/"]})
    for spec in DOCS:
        store.write_document(document_result(spec), run)
    store.finish_run(run, "ok", {"documents": 3, "sentences": N_SENTENCES, "facts": N_FACTS})
    store.engine.dispose()
    return db


def test_head_constant_is_the_scripts_head() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD


def migrated_database(path: Path, revision: str = "head") -> str:
    """A database made by running the migrations from nothing up to `revision`."""
    from alembic import command

    db = str(path)
    engine = make_engine(db)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
    engine.dispose()
    return db


def view_body(sql: str) -> str:
    return " ".join(sql.split(" AS", 1)[1].split()) if "facts_view AS" in sql else " ".join(sql.split())


def test_the_migrations_produce_the_tables_and_view_of_store_py(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    db = migrated_database(tmp_path / "migrated.db")
    engine = make_engine(db)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), METADATA) == []
    engine.dispose()
    # the view a migration made is the one store.py documents
    (view_sql,) = sql_rows(db, "SELECT sql FROM sqlite_master WHERE name = 'facts_view'")[0]
    assert view_body(view_sql) == view_body(FACTS_VIEW_SQL)


FOREIGN_KEY = re.compile(r", FOREIGN KEY\([^)]*\) REFERENCES \S+ \([^)]*\)(?: ON (?:DELETE|UPDATE) [A-Z]+(?: [A-Z]+)?)*")


def sqlite_schema(db: str) -> list[tuple[object, ...]]:
    """Every object of the database with its SQL, up to what does not change the schema:
    whitespace, the quoting of a table's name (0003 rebuilds facts and renames the copy,
    recorded as `CREATE TABLE "facts"`) and the order of foreign keys (0003's copy lists
    them in the order reflection found them, which varies from run to run).
    """
    def normal(sql: str | None) -> tuple[str, list[str]] | None:
        if sql is None:
            return None
        sql = re.sub(r'^CREATE TABLE "(\w+)"', r"CREATE TABLE \1", " ".join(sql.split()))
        return FOREIGN_KEY.sub("", sql), sorted(FOREIGN_KEY.findall(sql))

    return sorted(((kind, name, table, normal(sql)) for kind, name, table, sql in
                   sql_rows(db, "SELECT type, name, tbl_name, sql FROM sqlite_master")), key=repr)


def test_a_new_database_is_the_schema_the_migrations_make(tmp_path: Path) -> None:
    """Store creates a new database from store.py's tables, not by replaying the migrations: same result."""
    migrated = migrated_database(tmp_path / "migrated.db")
    created = str(tmp_path / "created.db")
    Store(created).engine.dispose()
    assert sqlite_schema(created) == sqlite_schema(migrated)
    assert sql_rows(created, "SELECT * FROM alembic_version") == sql_rows(migrated, "SELECT * FROM alembic_version") == [(HEAD,)]
    for table in ("runs", "documents", "articles", "sentences", "facts", "errors", "alembic_version"):
        assert sql_rows(created, f"PRAGMA table_info({table})") == sql_rows(migrated, f"PRAGMA table_info({table})")
        for pragma in ("index_list", "foreign_key_list"):  # numbered in creation order: compared as sets
            def listed(db: str) -> list[tuple[object, ...]]:
                return sorted(row[1:] for row in sql_rows(db, f"PRAGMA {pragma}({table})"))
            assert listed(created) == listed(migrated)
        for (name,) in sql_rows(created, f"SELECT name FROM pragma_index_list('{table}')"):
            assert sql_rows(created, f"PRAGMA index_xinfo({name})") == sql_rows(migrated, f"PRAGMA index_xinfo({name})")


def test_a_new_database_holds_the_sample_data(tmp_path: Path) -> None:
    db = build_sample_db(tmp_path / "new.db")
    assert sql_rows(db, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert NEW_INDEXES <= indexes(db)
    assert len(sql_rows(db, "SELECT * FROM facts_view")) == N_FACTS


@pytest.mark.parametrize("revision", [None, FIRST, "0002", HEAD, "unversioned"])
def test_schema_revision_reads_what_alembic_reads(tmp_path: Path, revision: str | None) -> None:
    """schema_revision reads alembic_version itself (no Alembic import in a run): same answer as Alembic."""
    from alembic.runtime.migration import MigrationContext

    db = str(tmp_path / "r.db")
    if revision == "unversioned":
        make_0001_database(tmp_path / "r.db", versioned=False)
    elif revision is not None:
        migrated_database(tmp_path / "r.db", revision)
    engine = make_engine(db)
    with engine.connect() as conn:
        expected = "unversioned" if revision == "unversioned" else MigrationContext.configure(conn).get_current_revision()
        assert schema_revision(conn) == expected == revision
    engine.dispose()


def test_a_run_imports_neither_alembic_nor_the_orm(tmp_path: Path) -> None:
    """Creating and reopening a database stays in SQLAlchemy Core (Alembic: only `zhfacts db upgrade`)."""
    import subprocess
    import sys

    db = tmp_path / "f.db"
    code = ("import sys; from pipeline.store import Store; "
            f"Store({str(db)!r}).engine.dispose(); Store({str(db)!r}).engine.dispose(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic' or m.startswith('sqlalchemy.orm')))")
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert sql_rows(str(db), "SELECT version_num FROM alembic_version") == [(HEAD,)]


def test_reopening_a_database_at_head_changes_nothing(tmp_path: Path) -> None:
    db = build_sample_db(tmp_path / "f.db")
    before = everything(db)
    Store(db).engine.dispose()
    assert everything(db) == before


@pytest.mark.parametrize("versioned", [True, False], ids=["at-0001", "unversioned"])
def test_store_refuses_an_old_database_and_db_upgrade_brings_it_to_head(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, versioned: bool
) -> None:
    db = make_0001_database(tmp_path / "old.db", versioned=versioned)
    before = everything(db)
    assert not NEW_INDEXES & indexes(db)
    with pytest.raises(StoreError, match="zhfacts db upgrade"):
        Store(db)

    monkeypatch.chdir(tmp_path)  # no alembic.ini anywhere near: the config is built in code
    result = runner.invoke(app, ["db", "current", "--db", db])
    assert result.exit_code == 0 and result.output.startswith(FIRST if versioned else "unversioned")
    result = runner.invoke(app, ["db", "upgrade", "--db", db])
    assert result.exit_code == 0, result.output
    assert f"{FIRST if versioned else 'unversioned'} → {HEAD}" in result.output

    assert sql_rows(db, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert NEW_INDEXES <= indexes(db)
    assert everything(db) == before  # every row of every table, and the view, kept
    assert len(before["facts"]) == N_FACTS
    # the upgraded database is usable: Store opens it, queries use the new index
    Store(db).engine.dispose()
    plan = " ".join(str(r) for r in sql_rows(db, "EXPLAIN QUERY PLAN SELECT id FROM documents WHERE published >= '2024-01-01'"))
    assert "ix_documents_published" in plan
    result = runner.invoke(app, ["db", "upgrade", "--db", db])
    assert result.exit_code == 0 and f"already at {HEAD}" in result.output


def test_downgrade_to_0001_and_back(tmp_path: Path) -> None:
    from alembic import command

    db = build_sample_db(tmp_path / "f.db")
    before = everything(db)
    engine = make_engine(db)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), FIRST)
    assert not NEW_INDEXES & indexes(db)
    assert sql_rows(db, "SELECT version_num FROM alembic_version") == [(FIRST,)]
    assert upgrade(engine, "head") == (FIRST, HEAD)
    engine.dispose()
    assert NEW_INDEXES <= indexes(db) and everything(db) == before


def test_a_database_downgraded_to_nothing_is_created_again(tmp_path: Path) -> None:
    """Downgrading everything leaves Alembic's table, empty: Store builds the schema as `upgrade head` would."""
    from alembic import command

    db = build_sample_db(tmp_path / "f.db")
    engine = make_engine(db)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "base")
    engine.dispose()
    assert sql_rows(db, "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") == [("alembic_version",)]
    Store(db).engine.dispose()
    assert sqlite_schema(db) == sqlite_schema(migrated_database(tmp_path / "migrated.db"))
    assert sql_rows(db, "SELECT version_num FROM alembic_version") == [(HEAD,)]


def test_a_table_in_the_way_stops_the_creation(tmp_path: Path) -> None:
    """As with the migrations, a new database's tables are created, never taken over."""
    db = str(tmp_path / "f.db")
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE runs (x INTEGER)")
    with pytest.raises(Exception, match="already exists"):
        Store(db)
    assert sql_rows(db, "SELECT name FROM sqlite_master") == [("runs",)]  # rolled back whole


def test_upgrade_of_a_missing_database_fails_cleanly(tmp_path: Path) -> None:
    result = runner.invoke(app, ["db", "upgrade", "--db", str(tmp_path / "nope.db")])
    assert result.exit_code == 2 and "no database" in result.output
    assert not (tmp_path / "nope.db").exists()


def test_two_stores_opening_a_new_database_together(tmp_path: Path) -> None:
    """The schema is created under the database's write lock: a second creator waits, then finds it."""
    import threading

    db = str(tmp_path / "race.db")
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            Store(db).engine.dispose()
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sql_rows(db, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert re.match(r"^\s*CREATE VIEW", sql_rows(db, "SELECT sql FROM sqlite_master WHERE name = 'facts_view'")[0][0])
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def postgres_schema(url: str) -> dict[str, object]:
    """What the inspector sees of a PostgreSQL database: tables, columns, keys, indexes, view."""
    from sqlalchemy import inspect

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            insp = inspect(conn)
            tables = sorted(insp.get_table_names())
            schema: dict[str, object] = {"tables": tables, "views": insp.get_view_names(),
                                         "view": " ".join(insp.get_view_definition("facts_view").split()),
                                         "version": conn.exec_driver_sql("SELECT * FROM alembic_version").all()}
            for t in tables:
                schema[t] = (
                    [{**c, "type": str(c["type"])} for c in insp.get_columns(t)],
                    insp.get_pk_constraint(t),
                    sorted(insp.get_foreign_keys(t), key=repr),
                    sorted(insp.get_indexes(t), key=repr),
                    sorted(insp.get_unique_constraints(t), key=repr),
                )
            return schema
    finally:
        engine.dispose()


def test_a_new_postgresql_database_is_the_schema_the_migrations_make() -> None:
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[postgres]')")
    from bench.postgres import create_database, postgres_bin, postgres_server

    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql)")
    from alembic import command

    with postgres_server() as server:
        migrated, created = create_database(server, "migrated"), create_database(server, "created")
        engine = make_engine(migrated)
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
        engine.dispose()
        Store(created).engine.dispose()
        expected = postgres_schema(migrated)
        assert expected["version"] == [(HEAD,)] and "facts" in expected["tables"]
        assert postgres_schema(created) == expected
