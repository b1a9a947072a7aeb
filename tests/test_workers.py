"""`--workers N`: the same rows as one process, and documents stream (bounded in flight)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.corpus import write_corpus
from pipeline.run import GC_YOUNG_THRESHOLD, Item, PoolEngine, RunTarget, WorkerDied, run_corpus
from pipeline.errors import StoreError
from pipeline.rows import PreparedDocument
from schemas.records import DocumentError, RawDocument

FACT_COLUMNS = '"doc_id", "start", "end", "kind", "surface", "value", "value_max", "unit", "qualifier", ' \
               '"base_value", "date", "date_end", "measure", "subject", "change", "direction", "basis", "sentence_index"'


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return sorted(conn.execute(sql).fetchall(), key=repr)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    write_corpus(folder, 2, generated_per_scale=12)
    (folder / "broken.jsonl").write_text('{"id": "ok-1", "text": "投资5亿元。"}\nnot json\n', encoding="utf-8")
    return folder


@pytest.mark.parametrize("model", ["blank", "lac"])
def test_two_workers_store_exactly_what_one_process_stores(corpus: Path, tmp_path: Path, model: str) -> None:
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    s1 = run_corpus([corpus], str(one), model=model, workers=1)
    s2 = run_corpus([corpus], str(two), model=model, workers=2)
    assert (s1.documents, s1.sentences, s1.facts, s1.status) == (s2.documents, s2.sentences, s2.facts, s2.status)
    assert s1.documents == 29 and s1.facts > 0
    assert s1.status == "partial"  # the malformed JSONL line, reported by both
    assert [(e.source, e.line) for e in s1.errors] == [(e.source, e.line) for e in s2.errors]
    for sql in (f"SELECT {FACT_COLUMNS} FROM facts",
                'SELECT doc_id, "index", article, start, "end", text FROM sentences',
                "SELECT id, sha256, published, title, raw_text FROM documents"):
        assert rows(one, sql) == rows(two, sql)
    assert rows(two, "SELECT model, documents, facts FROM runs") == [(s1.model, 29, s1.facts)]


class _CountingSource:
    """An input stream that records how far ahead of the results it has been read."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.pulled = 0

    def __iter__(self) -> Iterator[Item]:
        for i in range(self.n):
            self.pulled += 1
            if i % 17 == 5:
                yield DocumentError(source=f"bad-{i}", stage="ingest", message="unreadable")
            else:
                yield RawDocument(doc_id=f"d{i}", source=f"d{i}.txt", text=f"第{i}号项目总投资{i + 1}亿元。")


@pytest.mark.parametrize("in_flight", [2, 4])
def test_the_pool_streams_with_bounded_batches_in_flight(in_flight: int) -> None:
    engine = PoolEngine("blank", workers=2, batch_per_worker=3, in_flight=in_flight)  # batches of 6
    source = _CountingSource(200)
    seen: list[str] = []
    ahead = 0
    try:
        for item, result in engine.map(source, RunTarget(db="unused", run_id=0, force=False)):
            seen.append(item.source)
            ahead = max(ahead, source.pulled - len(seen))
            if isinstance(item, RawDocument):
                # workers send rows ready to insert, not Pydantic records
                assert isinstance(result, PreparedDocument) and result.doc_id == item.doc_id
                # the texts did not travel back from the worker; they are put back from the item's
                assert result.document["raw_text"] == item.text
                assert [row[-1] for row in result.sentences] == [item.text]  # one sentence each
            else:
                assert result is None
    finally:
        engine.close()
    assert seen == [f"bad-{i}" if i % 17 == 5 else f"d{i}.txt" for i in range(200)]  # input order, every item once
    assert ahead <= in_flight * 6  # never more batches read ahead of what was handed back


def test_a_worker_killed_mid_run_fails_the_run_clearly_and_a_rerun_completes(
        corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that dies (the OS killing it, a native crash) must not hang the run."""
    import functools
    import os

    import pipeline.run as run_module

    db = tmp_path / "k.db"
    process = run_module.process_safely

    def dies_on_one_document(pipe: Any, doc: RawDocument) -> Any:
        if doc.doc_id.endswith("003_24b2b01388e8f82b") and doc.doc_id.startswith("c0001"):
            os._exit(9)  # in the forked worker: gone without a word, like a SIGKILL
        return process(pipe, doc)

    monkeypatch.setattr(run_module, "process_safely", dies_on_one_document)
    # small batches and writes, so documents before the crash are already stored
    monkeypatch.setattr(run_module.PoolEngine, "__init__", functools.partialmethod(
        run_module.PoolEngine.__init__, batch_per_worker=2, in_flight=2, chunk=1))
    monkeypatch.setattr(run_module, "WRITE_BATCH", 4)
    with pytest.raises(WorkerDied, match="a worker process died"):
        run_corpus([corpus], str(db), model="blank", workers=2)
    ((status,),) = rows(db, "SELECT status FROM runs")
    assert status == "failed"
    stored = {d for (d,) in rows(db, "SELECT id FROM documents")}
    assert 0 < len(stored) < 29  # the documents before the crash were written
    assert "c0001/003_24b2b01388e8f82b" not in stored
    monkeypatch.setattr(run_module, "process_safely", process)
    # every stored document is whole: its facts are all there
    whole = run_corpus([corpus], str(tmp_path / "clean.db"), model="blank", workers=1)
    for doc_id in stored:
        sql = f"SELECT {FACT_COLUMNS} FROM facts WHERE doc_id = '{doc_id}'"
        assert rows(db, sql) == rows(tmp_path / "clean.db", sql)

    again = run_corpus([corpus], str(db), model="blank", workers=2)
    assert again.documents == 29 - len(stored) and again.skipped == len(stored)
    assert rows(db, f"SELECT {FACT_COLUMNS} FROM facts") == rows(tmp_path / "clean.db", f"SELECT {FACT_COLUMNS} FROM facts")
    assert whole.documents == 29


def test_the_cli_names_a_dead_worker_and_exits_1(corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from typer.testing import CliRunner

    import pipeline.run as run_module
    from pipeline.cli import app

    def dies(pipe: Any, doc: RawDocument) -> Any:
        os._exit(9)

    monkeypatch.setattr(run_module, "process_safely", dies)
    result = CliRunner().invoke(app, ["run", str(corpus), "--db", str(tmp_path / "c.db"), "--model", "blank",
                                      "--workers", "2", "--quiet"])
    assert result.exit_code == 1
    assert "a worker process died" in result.output and "run again" in result.output


def test_a_model_that_cannot_load_in_the_workers_fails_naming_it(corpus: Path, tmp_path: Path) -> None:
    """The workers load the model: their error reaches the caller as it is, and no worker is left behind."""
    import multiprocessing

    from pipeline.nlp import ModelLoadError

    db = tmp_path / "m.db"
    with pytest.raises(ModelLoadError, match="no_such_model") as info:
        run_corpus([corpus], str(db), model="no_such_model", workers=2)
    assert info.value.model == "no_such_model"
    assert rows(db, "SELECT id FROM runs") == []  # failed before the run was recorded
    assert multiprocessing.active_children() == []


def test_workers_are_forked_before_the_store_imports_sqlalchemy(tmp_path: Path) -> None:
    """A run starts its pool before importing SQLAlchemy (~0.15 CPU-s), so that import runs
    while the workers warm up, and no worker ever holds it: asked right after the fork, a
    worker has none of it (and has the run's GC threshold), and neither has the process
    after `import pipeline.run`. The stages go the other way: the workers import them after
    the fork, beside the writer's store import, and the writer never does."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    code = f"""
import sys
import pipeline.run as run
STAGES = {{'pipeline.process', 'pipeline.extract', 'pipeline.link'}}

def held(names):
    return sorted(({{m.split('.')[0] for m in sys.modules}} | set(sys.modules)) & names)

print(held({{'sqlalchemy', 'alembic'}} | STAGES))

def worker_modules(_):
    import gc
    return held({{'sqlalchemy', 'alembic', 'spacy'}} | STAGES), gc.get_threshold()[0]

make = run.make_document_engine
def asking_the_workers(*args, **kwargs):
    engine = make(*args, **kwargs)
    print(engine.pool.submit(worker_modules, None).result())
    return engine

run.make_document_engine = asking_the_workers
summary = run.run_corpus([{str(root / "seeds")!r}], {str(tmp_path / "f.db")!r}, model="blank", workers=2)
print(summary.documents, held({{'sqlalchemy'}} | STAGES))
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True).stdout
    stages = ["pipeline.extract", "pipeline.link", "pipeline.process"]
    assert out.splitlines() == [
        "[]",
        f"({stages}, {GC_YOUNG_THRESHOLD})",  # workers inherit the run's GC threshold
        "2 ['sqlalchemy']",
    ]


def test_a_run_collects_young_garbage_rarely_and_gives_the_threshold_back(tmp_path: Path) -> None:
    import gc

    before = gc.get_threshold()
    during: list[int] = []
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    run_corpus([seeds], str(tmp_path / "f.db"), model="blank", progress=lambda *_: during.append(gc.get_threshold()[0]))
    assert during == [GC_YOUNG_THRESHOLD, GC_YOUNG_THRESHOLD] and gc.get_threshold() == before
    with pytest.raises(StoreError):  # a run that fails gives the threshold back too
        run_corpus([seeds], str(tmp_path / "no-such-folder" / "f.db"), model="blank")
    assert gc.get_threshold() == before
