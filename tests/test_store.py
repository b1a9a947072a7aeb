"""The store: one transaction per document, idempotent writes, --force, read-only queries."""

from __future__ import annotations

import sqlite3

import pytest

from pipeline.store import Store, StoreError, check_read_only_sql, run_query
from schemas.records import Article, DocumentError, DocumentResult, Fact, RawDocument, Sentence

TEXT = "项目总投资5.5亿元,占地约122亩。\n今年以来新增网格员446名。"


def _result(text: str = TEXT, doc_id: str = "d1") -> DocumentResult:
    doc = RawDocument(doc_id=doc_id, source=f"{doc_id}.txt", text=text)
    s0_end = text.index("。") + 1
    s1_start = text.index("\n") + 1
    sentences = [
        Sentence(doc_id=doc_id, index=0, article=0, start=0, end=s0_end, text=text[:s0_end], norm_start=0, norm_end=s0_end),
        Sentence(doc_id=doc_id, index=1, article=0, start=s1_start, end=len(text), text=text[s1_start:],
                 norm_start=s1_start, norm_end=len(text)),
    ]
    facts = []
    for surface, kind, value, unit, sent in (("5.5亿元", "money", 5.5e8, "CNY", 0), ("约122亩", "area", 122.0, "mu", 0),
                                             ("446名", "count", 446.0, "count", 1)):
        if surface in text:
            start = text.index(surface)
            facts.append(Fact(kind=kind, value=value, unit=unit, doc_id=doc_id, sentence_index=sent, start=start,
                              end=start + len(surface), surface=surface))
    return DocumentResult(document=doc, articles=[Article(index=0, start=0, end=len(text))], sentences=sentences, facts=facts)


def _count(path, table: str, where: str = "") -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} {where}").fetchone()[0]


def test_write_is_idempotent_and_force_replaces(tmp_path):
    db = tmp_path / "f.db"
    store = Store(str(db))
    run = store.start_run("0", "blank", {})
    assert store.write_document(_result(), run).status == "added"
    assert store.write_document(_result(), run).status == "skipped"
    assert (_count(db, "documents"), _count(db, "sentences"), _count(db, "facts")) == (1, 2, 3)

    changed = _result(TEXT.replace("446名", "44名"))
    assert store.write_document(changed, run).status == "changed"  # left alone without force
    assert _count(db, "facts", "WHERE surface = '446名'") == 1

    outcome = store.write_document(changed, run, force=True)
    assert (outcome.status, outcome.facts) == ("replaced", 2)
    assert (_count(db, "documents"), _count(db, "sentences"), _count(db, "facts")) == (1, 2, 2)


def test_a_failing_document_leaves_nothing_behind(tmp_path):
    db = tmp_path / "f.db"
    store = Store(str(db))
    bad = _result()
    # two facts with the same natural key: the unique constraint fails the transaction
    bad.facts.append(bad.facts[0].model_copy())
    with pytest.raises(Exception):
        store.write_document(bad, None)
    assert (_count(db, "documents"), _count(db, "sentences"), _count(db, "facts")) == (0, 0, 0)


def test_runs_and_errors_are_recorded(tmp_path):
    db = tmp_path / "f.db"
    store = Store(str(db))
    run = store.start_run("0.1.0", "blank", {"paths": ["x"]})
    store.record_error(run, DocumentError(source="bad.jsonl", line=3, stage="ingest", message="not JSON"))
    store.finish_run(run, "partial", {"documents": 0, "errors": 1})
    (info,) = store.runs()
    assert (info.status, info.model, info.errors) == ("partial", "blank", 1)
    assert _count(db, "errors", "WHERE source = 'bad.jsonl' AND line = 3") == 1


def test_a_dead_running_run_is_marked_interrupted(tmp_path):
    db = tmp_path / "f.db"
    store = Store(str(db))
    run = store.start_run("0", "blank", {})
    with sqlite3.connect(db) as conn:  # as if its process had been killed
        conn.execute("UPDATE runs SET pid = 2147483000 WHERE id = ?", (run,))
    store.start_run("0", "blank", {})
    assert [r.status for r in store.runs()] == ["interrupted", "running"]


@pytest.mark.parametrize(
    "sql, allowed",
    [
        ("SELECT * FROM facts", True),
        ("  with t as (select 1) select * from t", True),
        ("-- comment\nselect kind, count(*) from facts group by kind", True),
        ("select 'drop table facts' as x", True),
        ("DROP TABLE facts", False),
        ("delete from facts", False),
        ("select 1; delete from facts", False),
        ("insert into runs default values", False),
        ("update facts set value = 0", False),
        ("attach database 'x.db' as x", False),
        ("PRAGMA journal_mode=DELETE", False),
    ],
)
def test_read_only_sql_check(sql, allowed):
    if allowed:
        check_read_only_sql(sql)
    else:
        with pytest.raises(StoreError, match="read-only"):
            check_read_only_sql(sql)


def test_query_reads_the_facts_view(tmp_path):
    db = tmp_path / "f.db"
    Store(str(db)).write_document(_result(), None)
    columns, rows = run_query(str(db), "SELECT surface, kind, value, sentence FROM facts_view ORDER BY start")
    assert columns == ["surface", "kind", "value", "sentence"]
    assert rows[0] == ("5.5亿元", "money", 5.5e8, "项目总投资5.5亿元,占地约122亩。")
    assert rows[2][:2] == ("446名", "count")
    with pytest.raises(StoreError, match="read-only"):
        run_query(str(db), "DROP TABLE facts")
    assert _count(db, "facts") == 3


def test_a_batch_writes_whole_documents_with_each_its_own_outcome(tmp_path):
    db = tmp_path / "f.db"
    store = Store(str(db))
    store.write_document(_result(doc_id="kept"), None)
    store.write_document(_result(doc_id="edited"), None)
    batch = [_result(doc_id="new"), _result(doc_id="kept"), _result(TEXT.replace("446名", "44名"), doc_id="edited")]
    assert [o.status for o in store.write_documents(batch, None)] == ["added", "skipped", "changed"]
    assert [o.status for o in store.write_documents(batch, None, force=True)] == ["replaced", "replaced", "replaced"]
    assert (_count(db, "documents"), _count(db, "sentences"), _count(db, "facts")) == (3, 6, 8)
    assert _count(db, "facts", "WHERE doc_id = 'edited'") == 2  # its text lost the 446名 fact


def test_a_batch_with_a_failing_document_is_all_or_nothing(tmp_path):
    db = tmp_path / "f.db"
    store = Store(str(db))
    bad = _result(doc_id="bad")
    bad.facts.append(bad.facts[0].model_copy())  # violates the facts' natural key
    with pytest.raises(Exception):
        store.write_documents([_result(doc_id="a"), bad, _result(doc_id="b")], None)
    assert _count(db, "documents") == 0  # the batch is one transaction


def test_a_run_settles_a_spoiled_batch_document_by_document(tmp_path, monkeypatch):
    """One document that cannot be written is an error row; the others of its batch are stored."""
    from pipeline import run as run_module
    from pipeline.process import Pipeline

    src = tmp_path / "in"
    src.mkdir()
    for name in ("a", "bad", "b"):
        (src / f"{name}.txt").write_text(TEXT, encoding="utf-8")
    real_process = Pipeline.process

    def process(self, doc):
        result = real_process(self, doc)
        if doc.doc_id == "bad":
            result.facts.append(result.facts[0].model_copy())  # a duplicate natural key
        return result

    monkeypatch.setattr(Pipeline, "process", process)
    summary = run_module.run_corpus([str(src)], str(tmp_path / "f.db"), model="blank")
    assert (summary.documents, summary.status) == (2, "partial")
    ((error,),) = [[e for e in summary.errors if e.severity == "error"]]
    assert (error.doc_id, error.stage) == ("bad", "store") and "IntegrityError" in error.message
    assert sorted(r[0] for r in sqlite3.connect(tmp_path / "f.db").execute("SELECT id FROM documents")) == ["a", "b"]


def test_read_connections_are_refused_writes_by_the_driver(tmp_path):
    """query, export, review and report read through read_connection: even SQL that slipped
    past the keyword check cannot write."""
    import sqlalchemy.exc

    from pipeline.store import read_connection

    db = tmp_path / "f.db"
    Store(str(db)).write_document(_result(), None)
    with read_connection(str(db)) as conn:
        with pytest.raises(sqlalchemy.exc.OperationalError, match="readonly"):
            conn.exec_driver_sql("DELETE FROM facts")
    assert _count(db, "facts") == 3


@pytest.mark.parametrize(("failures", "error", "raised"), [
    (0, "database is locked", False),
    (3, "database is locked", False),  # another process is switching the new file to WAL
    (1, "disk I/O error", True),  # anything else is not retried
])
def test_the_switch_to_wal_is_retried_only_while_the_database_is_locked(failures, error, raised, monkeypatch):
    import sqlite3

    import pipeline.store as store

    monkeypatch.setattr(store, "_WAL_RETRY_SECONDS", 0)
    executed: list[str] = []

    class Cursor:
        def execute(self, sql: str) -> None:
            if sql == "PRAGMA journal_mode=WAL" and executed.count(sql) < failures:
                executed.append(sql)
                raise sqlite3.OperationalError(error)
            executed.append(sql)

        def close(self) -> None:
            pass

    class Connection:
        def cursor(self) -> Cursor:
            return Cursor()

    if raised:
        with pytest.raises(sqlite3.OperationalError, match=error):
            store._sqlite_pragmas(Connection(), None)
        assert executed[-1] == "PRAGMA journal_mode=WAL"
    else:
        store._sqlite_pragmas(Connection(), None)
        assert executed.count("PRAGMA journal_mode=WAL") == failures + 1
        assert executed[0] == "PRAGMA busy_timeout=30000" and "PRAGMA foreign_keys=ON" in executed


@pytest.mark.parametrize("rows", [0, 1, 31, 32, 33, 65, 80])
def test_rows_are_inserted_in_order_whatever_their_number(tmp_path, rows):
    """Rows go ROWS_PER_INSERT to a statement and the rest one by one: every row lands,
    with the ids one statement per row would give, and NULLs and bools as the driver
    stores them (NULL, 0 / 1)."""
    from pipeline.store import FACTS, ROWS_PER_INSERT, _insert_rows

    assert ROWS_PER_INSERT > 1
    doc_id = "d1"
    text = "元" * (rows + 1)
    store = Store(str(tmp_path / "f.db"))
    store.write_document(DocumentResult(document=RawDocument(doc_id=doc_id, source="d1.txt", text=text),
                                        articles=[], sentences=[], facts=[]), None)
    columns = ("doc_id", "sentence_index", "kind", "surface", "start", "end", "value", "unit", "qualifier",
               "measure", "change")
    written = [(doc_id, 0, "money", "元", i, i + 1, float(i), "CNY", "exact", None if i % 2 else f"m{i}", i % 3 == 0)
               for i in range(rows)]
    with store.engine.begin() as conn:
        _insert_rows(conn, FACTS, columns, written)
    names = ", ".join(f'"{c}"' for c in columns)
    with sqlite3.connect(tmp_path / "f.db") as conn:
        stored = conn.execute(f"SELECT id, {names}, typeof(measure), typeof(change) FROM facts ORDER BY id").fetchall()
    assert [r[0] for r in stored] == list(range(1, rows + 1))
    assert [r[1:-2] for r in stored] == [(*r[:-1], int(r[-1])) for r in written]
    assert [r[-2:] for r in stored] == [("null" if i % 2 else "text", "integer") for i in range(rows)]


@pytest.mark.parametrize("rows, values", [
    (1, "VALUES (?, ?)"),
    (2, "VALUES (?, ?), (?, ?)"),
    (3, "VALUES (?, ?), (?, ?), (?, ?)"),
])
def test_driver_insert_sql_values_rows_one_after_the_other(rows, values):
    from pipeline.store import _driver_insert_sql

    assert _driver_insert_sql("t", ("a", "end"), lambda name: f'"{name}"', rows) == f'INSERT INTO "t" ("a", "end") {values}'


@pytest.mark.parametrize("value, bound", [(None, None), (True, 1), (False, 0)])
def test_the_sqlite_adapters_bind_what_the_driver_binds_anyway(value, bound):
    """The adapters only spare the driver its failing look-ups: None stays None, a bool
    becomes the int the driver binds for it."""
    from pipeline.store import _BIND_AS_IS

    adapted = _BIND_AS_IS[type(value)](value)
    assert adapted == bound and type(adapted) is type(bound)
    with sqlite3.connect(":memory:") as conn:  # the driver itself, no adapter involved
        assert conn.execute("SELECT ?, typeof(?)", (value, value)).fetchone() == \
            conn.execute("SELECT ?, typeof(?)", (bound, bound)).fetchone()
