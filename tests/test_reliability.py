"""Crashes and concurrent runs lose nothing and duplicate nothing.

Real processes: `zhfacts run` killed with SIGKILL mid-corpus and re-run; two runs writing
one SQLite file at once; a reader querying while a run writes. Row counts are compared
with a clean single run over the same corpus.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ZHFACTS = str(Path(sys.executable).parent / "zhfacts")
N_DOCS = 250


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """N_DOCS distinct documents: seed paragraphs with their figures varied per document."""
    paragraphs = [p for seed in sorted((ROOT / "seeds").glob("*.txt"))
                  for p in seed.read_text(encoding="utf-8").split("\n\n") if len(p) > 40]
    path = tmp_path_factory.mktemp("corpus") / "docs.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(N_DOCS):
            body = "\n\n".join(paragraphs[(i + k) % len(paragraphs)] for k in range(6))
            body = body.replace("5.5亿元", f"{i + 1}.5亿元").replace("122亩", f"{100 + i}亩")
            fh.write(json.dumps({"id": f"doc-{i:04d}", "text": body, "published": "2024-06-05"}, ensure_ascii=False) + "\n")
    return path


def run(corpus: Path, db: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([ZHFACTS, "run", str(corpus), "--db", str(db), "--model", "blank", "-q", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("documents", "sentences", "facts")}


def per_document(db: Path) -> dict[str, tuple[int, int]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("""SELECT d.id, (SELECT count(*) FROM sentences s WHERE s.doc_id = d.id),
                                      (SELECT count(*) FROM facts f WHERE f.doc_id = d.id) FROM documents d""")
        return {doc: (s, f) for doc, s, f in rows}


@pytest.fixture(scope="module")
def clean(corpus, tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("clean") / "clean.db"
    proc = run(corpus, db)
    assert proc.wait(timeout=600) == 0, proc.stderr.read()
    assert counts(db)["documents"] == N_DOCS
    return db


def wait_for_documents(db: Path, at_least: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the run finished before it could be interrupted"
        if db.exists():
            try:
                with sqlite3.connect(db, timeout=5) as conn:
                    if conn.execute("SELECT count(*) FROM documents").fetchone()[0] >= at_least:
                        return
            except sqlite3.OperationalError:
                pass  # schema not created yet
        time.sleep(0.05)
    raise AssertionError("no progress")


def test_sigkill_mid_corpus_then_rerun_stores_each_document_once(corpus, clean, tmp_path):
    db = tmp_path / "killed.db"
    proc = run(corpus, db)
    wait_for_documents(db, 20, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)

    partial = per_document(db)
    expected = per_document(clean)
    assert 20 <= len(partial) < N_DOCS
    # whatever was stored is whole: every stored document has all its sentences and facts
    assert all(partial[doc] == expected[doc] for doc in partial)

    again = run(corpus, db)
    assert again.wait(timeout=600) == 0, again.stderr.read()
    assert per_document(db) == expected
    assert counts(db) == counts(clean)
    with sqlite3.connect(db) as conn:
        statuses = [s for (s,) in conn.execute("SELECT status FROM runs ORDER BY id")]
        skipped = conn.execute("SELECT skipped FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert statuses == ["interrupted", "ok"]
    assert skipped == len(partial)


def test_two_concurrent_runs_on_one_sqlite_file(corpus, clean, tmp_path):
    db = tmp_path / "shared.db"
    first, second = run(corpus, db), run(corpus, db)
    assert first.wait(timeout=600) == 0, first.stderr.read()
    assert second.wait(timeout=600) == 0, second.stderr.read()
    assert counts(db) == counts(clean)
    assert per_document(db) == per_document(clean)
    with sqlite3.connect(db) as conn:
        (written,) = conn.execute("SELECT sum(documents) FROM runs").fetchone()
        statuses = {s for (s,) in conn.execute("SELECT status FROM runs")}
    assert written == N_DOCS  # each document written by exactly one of the two runs
    assert statuses == {"ok"}


def test_readers_work_while_a_run_writes(corpus, tmp_path):
    db = tmp_path / "busy.db"
    proc = run(corpus, db)
    wait_for_documents(db, 5, proc)
    seen = []
    while proc.poll() is None and len(seen) < 5:
        out = subprocess.run([ZHFACTS, "query", "SELECT count(*) AS n FROM documents", "--db", str(db), "--json"],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        seen.append(json.loads(out.stdout.splitlines()[0])["n"])
    assert proc.wait(timeout=600) == 0
    assert seen and seen == sorted(seen)  # each reader sees a consistent, growing store
