"""`--engine ray`: the same facts as a local run, on Ray Data, writing to a real PostgreSQL.

Starts a throwaway PostgreSQL server (Debian's `postgresql` package) on loopback in a
temporary directory, and a local Ray (2 CPUs). Skipped, with the reason, only when the
PostgreSQL binaries or ray / psycopg are not installed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from bench.corpus import write_corpus
from bench.postgres import create_database, postgres_bin, postgres_server
from pipeline.run import run_corpus

ray = pytest.importorskip("ray", reason="ray is not installed (pip install -e '.[ray]')")
pytest.importorskip("psycopg", reason="psycopg is not installed (pip install -e '.[postgres]')")

FACT_COLUMNS = ("doc_id", "start", "end", "kind", "surface", "value", "value_max", "unit", "qualifier", "date",
                "measure", "subject", "change")
MODEL = "blank"


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    """A PostgreSQL server of our own on 127.0.0.1; yields a SQLAlchemy URL prefix."""
    if postgres_bin() is None:
        pytest.skip("PostgreSQL server binaries not found (apt-get install postgresql)")
    with postgres_server() as url:
        yield url


_DB_COUNTER = iter(range(1000))


@pytest.fixture
def pg_url(postgres: str) -> str:
    """A fresh, empty database on the module's server."""
    return create_database(postgres, f"zhfacts_{next(_DB_COUNTER)}")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder, 1, generated_per_scale=20)
    return folder


@pytest.fixture(scope="module")
def local_facts(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> set[tuple[Any, ...]]:
    """The reference: a single-process run into SQLite."""
    db = tmp_path_factory.mktemp("local") / "facts.db"
    summary = run_corpus([corpus], str(db), model=MODEL)
    assert summary.status == "ok" and summary.facts > 0
    return facts_rows(str(db))


def _url(db: str) -> str:
    return db if "://" in db else f"sqlite:///{db}"


def facts_rows(db: str, where: str = "") -> set[tuple[Any, ...]]:
    cols = ", ".join(f'"{c}"' for c in FACT_COLUMNS)
    engine = create_engine(_url(db))
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {cols} FROM facts {where}")).all()
    engine.dispose()
    # SQLite stores booleans as 0/1
    return {(*r[:-1], bool(r[-1])) for r in rows}


def scalar(db: str, sql: str) -> Any:
    engine = create_engine(_url(db))
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar_one()
    engine.dispose()
    return value


def test_ray_with_postgres_matches_local_then_is_idempotent_then_force_replaces(
    local_ray: None, pg_url: str, corpus: Path, local_facts: set[tuple[Any, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # several chunks, so the driver goes round its loop more than once
    monkeypatch.setattr("pipeline.distributed.CHUNK_DOCS", 11)
    first = run_corpus([corpus], pg_url, model=MODEL, engine="ray", workers=2)
    assert first.status == "ok" and first.errors == []
    assert facts_rows(pg_url) == local_facts
    assert first.facts == len(local_facts)
    n_docs = scalar(pg_url, "SELECT count(*) FROM documents")
    assert first.documents == n_docs == 22
    run = scalar(pg_url, f"SELECT json_build_array(status, documents, facts)::text FROM runs WHERE id = {first.run_id}")
    assert json.loads(run) == ["ok", n_docs, len(local_facts)]

    again = run_corpus([corpus], pg_url, model=MODEL, engine="ray", workers=2)
    assert (again.documents, again.skipped, again.facts) == (0, n_docs, 0)
    assert scalar(pg_url, "SELECT count(*) FROM facts") == len(local_facts)

    forced = run_corpus([corpus], pg_url, model=MODEL, engine="ray", workers=2, force=True)
    assert (forced.documents, forced.skipped) == (n_docs, 0)
    assert facts_rows(pg_url) == local_facts
    # every row is the forced run's: replaced, not added to
    assert scalar(pg_url, f"SELECT count(*) FROM facts WHERE run_id <> {forced.run_id}") == 0
    assert scalar(pg_url, "SELECT count(*) FROM facts") == len(local_facts)


def test_a_changed_document_is_kept_until_force_as_in_a_local_run(
    local_ray: None, pg_url: str, corpus: Path, tmp_path: Path
) -> None:
    edited = tmp_path / "corpus"
    shutil.copytree(corpus, edited)
    run_corpus([edited], pg_url, model=MODEL, engine="ray", workers=2)
    seed = next(edited.rglob("000_*.txt"))
    doc_id = seed.relative_to(edited).with_suffix("").as_posix()
    before = facts_rows(pg_url, f"WHERE doc_id = '{doc_id}'")
    seed.write_text(seed.read_text(encoding="utf-8").replace("2024年6月5日 星期三", "2024年6月6日 星期四"),
                    encoding="utf-8")

    kept = run_corpus([edited], pg_url, model=MODEL, engine="ray", workers=2)
    assert (kept.documents, kept.changed) == (0, 1)
    assert [(e.doc_id, e.severity) for e in kept.errors] == [(doc_id, "warning")]
    assert facts_rows(pg_url, f"WHERE doc_id = '{doc_id}'") == before
    assert scalar(pg_url, f"SELECT count(*) FROM errors WHERE run_id = {kept.run_id} AND severity = 'warning'") == 1

    replaced = run_corpus([edited], pg_url, model=MODEL, engine="ray", workers=2, force=True)
    assert replaced.documents == 22
    reference = tmp_path / "local.db"
    run_corpus([edited], str(reference), model=MODEL)
    assert facts_rows(pg_url) == facts_rows(str(reference))


def test_ray_with_sqlite_sends_results_back_to_the_one_writer(
    local_ray: None, corpus: Path, local_facts: set[tuple[Any, ...]], tmp_path: Path
) -> None:
    db = str(tmp_path / "ray.db")
    summary = run_corpus([corpus], db, model=MODEL, engine="ray", workers=2)
    assert summary.status == "ok"
    assert facts_rows(db) == local_facts
    assert run_corpus([corpus], db, model=MODEL, engine="ray", workers=2).skipped == 22


def test_cli_runs_on_ray_against_postgres(local_ray: None, pg_url: str, corpus: Path,
                                          local_facts: set[tuple[Any, ...]]) -> None:
    from pipeline.cli import app

    result = CliRunner().invoke(app, ["run", str(corpus), "--db", pg_url, "--model", MODEL, "--engine", "ray",
                                      "--workers", "2", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout[result.stdout.index("{"):])
    assert (summary["status"], summary["documents"], summary["facts"]) == ("ok", 22, len(local_facts))
    assert scalar(pg_url, "SELECT config->>'engine' FROM runs") == "ray"
    assert facts_rows(pg_url) == local_facts
