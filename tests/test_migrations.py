"""Schema migrations: new databases at head, `zhfacts db upgrade` brings old ones there, data kept."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.migrations import FIRST, HEAD, alembic_config, upgrade
from pipeline.store import FACTS_VIEW_SQL, Base, Store, StoreError, make_engine
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


def test_new_database_is_created_by_the_migrations_and_equals_the_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    db = build_sample_db(tmp_path / "new.db")
    assert sql_rows(db, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    assert NEW_INDEXES <= indexes(db)
    engine = make_engine(db)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()
    # the view a migration made is the one store.py documents
    (view_sql,) = sql_rows(db, "SELECT sql FROM sqlite_master WHERE name = 'facts_view'")[0]

    def body(sql: str) -> str:
        return " ".join(sql.split(" AS", 1)[1].split()) if "facts_view AS" in sql else " ".join(sql.split())

    assert body(view_sql) == body(FACTS_VIEW_SQL)
    assert len(sql_rows(db, "SELECT * FROM facts_view")) == N_FACTS


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
