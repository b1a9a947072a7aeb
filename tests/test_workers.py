"""`--workers N`: the same rows as one process, and documents stream (bounded in flight)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.corpus import write_corpus
from pipeline.run import Item, PoolEngine, RunTarget, run_corpus
from pipeline.store import PreparedDocument
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
                "SELECT id, sha256, published, title FROM documents"):
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
            else:
                assert result is None
    finally:
        engine.close()
    assert seen == [f"bad-{i}" if i % 17 == 5 else f"d{i}.txt" for i in range(200)]  # input order, every item once
    assert ahead <= in_flight * 6  # never more batches read ahead of what was handed back
