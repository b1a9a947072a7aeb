"""Store stage: the SQLAlchemy 2.0 (Core) tables and the writer.

SQLite by default (``--db facts.db``), any SQLAlchemy URL otherwise (PostgreSQL for
scale). One transaction per document: its sentences and facts land together or not at
all, so a killed run leaves nothing partial. Running the same input twice adds no rows;
``force`` replaces a document's rows in that same single transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from pipeline.errors import StoreError
from pipeline.rows import FACT_COLUMNS, SENTENCE_COLUMNS, PreparedDocument, Writable, WriteOutcome, prepare_document
from schemas.records import DocumentError, RunInfo

# The tables, as SQLAlchemy Core tables: nothing maps them to classes, so the ORM (~0.1
# CPU-s to import and configure) stays out of every run. Every column says whether it may
# be NULL (Core's own default is that it may). Tests check the migrations produce exactly
# these tables.
METADATA = MetaData()

RUNS = Table(
    "runs", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started", DateTime, nullable=False),
    Column("finished", DateTime, nullable=True),
    Column("version", String(32), nullable=False),
    Column("model", String(200), nullable=False),
    Column("config", JSON, nullable=False, default=dict),
    Column("config_hash", String(16), nullable=False),
    Column("status", String(16), nullable=False, default="running"),
    Column("documents", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("sentences", Integer, nullable=False, default=0),
    Column("facts", Integer, nullable=False, default=0),
    Column("errors", Integer, nullable=False, default=0),
    Column("pid", Integer, nullable=True),
)

DOCUMENTS = Table(
    "documents", METADATA,
    Column("id", String(300), primary_key=True),
    Column("source", Text, nullable=False),
    Column("title", Text, nullable=True),
    Column("published", Date, nullable=True),
    Column("published_from", String(16), nullable=True),
    Column("encoding", String(32), nullable=False, default="utf-8"),
    Column("format", String(16), nullable=False, default="txt"),
    Column("sha256", String(64), nullable=False),
    Column("n_chars", Integer, nullable=False),
    Column("raw_text", Text, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=True),
    Index("ix_documents_published", "published"),  # export --since/--until
)

ARTICLES = Table(
    "articles", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("doc_id", String(300), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("index", Integer, nullable=False),
    Column("title", Text, nullable=True),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    UniqueConstraint("doc_id", "index", name="uq_articles_doc_index"),
)

SENTENCES = Table(
    "sentences", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("doc_id", String(300), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("index", Integer, nullable=False),
    Column("article", Integer, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("text", Text, nullable=False),
    UniqueConstraint("doc_id", "index", name="uq_sentences_doc_index"),
)

FACTS = Table(
    "facts", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("doc_id", String(300), ForeignKey("documents.id", ondelete="CASCADE"), nullable=False),
    Column("sentence_index", Integer, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("surface", Text, nullable=False),
    Column("start", Integer, nullable=False),
    Column("end", Integer, nullable=False),
    Column("value", Float, nullable=True),
    Column("value_max", Float, nullable=True),
    Column("unit", String(32), nullable=False),
    Column("qualifier", String(16), nullable=False),
    Column("base_value", Float, nullable=True),
    Column("base_value_max", Float, nullable=True),
    Column("base_unit", String(32), nullable=True),
    Column("date", String(32), nullable=True),
    Column("date_end", String(32), nullable=True),
    Column("measure", Text, nullable=True),
    Column("subject", Text, nullable=True),
    Column("change", Boolean, nullable=False, default=False),
    Column("direction", String(8), nullable=True),
    Column("basis", String(32), nullable=True),
    # the natural key of a fact: a document never holds two facts of one kind on one span
    UniqueConstraint("doc_id", "start", "end", "kind", name="uq_facts_span"),
    Index("ix_facts_kind", "kind"),
    Index("ix_facts_doc_sentence", "doc_id", "sentence_index"),
    Index("ix_facts_run_id", "run_id"),  # provenance: a run's facts
    # ids are never reused after --force deletes: an exported fact id keeps meaning one fact
    sqlite_autoincrement=True,
)

ERRORS = Table(
    "errors", METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=True),
    Column("created", DateTime, nullable=False),
    Column("source", Text, nullable=False),
    Column("line", Integer, nullable=True),
    Column("doc_id", String(300), nullable=True),
    Column("stage", String(32), nullable=False),
    Column("severity", String(16), nullable=False, default="error"),
    Column("message", Text, nullable=False),
)


# One readable row per fact for `zhfacts query`, Datasette and any SQL client. A new
# database gets it from here (pipeline.migrations.create_at_head), an upgraded one from the
# migrations (pipeline/migrations/versions); tests check the two agree: change it only
# with a new migration.
FACTS_VIEW_SQL = """
CREATE VIEW facts_view AS
SELECT f.id AS fact_id, f.doc_id, d.title, d.published, d.source,
       s.text AS sentence, f.kind, f.surface, f.value, f.value_max, f.unit, f.qualifier,
       f.base_value, f.base_value_max, f.base_unit, f.date, f.date_end, f.measure, f.subject,
       f.change, f.direction, f.basis, f.start, f."end", f.sentence_index, f.run_id
FROM facts f
JOIN documents d ON d.id = f.doc_id
LEFT JOIN sentences s ON s.doc_id = f.doc_id AND s."index" = f.sentence_index
"""


def _shown(url: str) -> str:
    """A database fit for a message: a SQLite file's path, or the URL with its password hidden."""
    if url.startswith("sqlite:///"):
        return url.removeprefix("sqlite:///")
    return make_url(url).render_as_string(hide_password=True)


def database_url(db: str) -> str:
    """`--db` takes a path (SQLite) or any SQLAlchemy URL."""
    if "://" in db:
        return db
    return f"sqlite:///{Path(db).expanduser().resolve()}"


# Switching a new database to WAL takes an exclusive lock that SQLite does not wait for
# (busy_timeout does not apply): two runs opening one new file together could fail there
# (~3% of 4-thread races). The switch is retried for up to ~2 s instead.
_WAL_RETRIES, _WAL_RETRY_SECONDS = 100, 0.02


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    import sqlite3
    import time

    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")  # a second writer waits, not fails
    for attempt in range(_WAL_RETRIES):  # WAL: readers never block the writer
        try:
            cur.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == _WAL_RETRIES - 1:
                raise
            time.sleep(_WAL_RETRY_SECONDS)
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


# The sqlite3 driver binds exact ints, floats and strs directly; any other value (None, a
# bool) first goes through its adapter protocol, whose failing attribute look-ups raise and
# clear an AttributeError with a formatted message: ~1.5k instructions per value, and a fact
# row holds ~8 NULLs (measured: -15% of SQLite's insert work without it). An adapter
# registered for the type is found first. These return what the driver binds anyway (NULL
# for None, 0 or 1 for a bool), so what any connection of the process stores is unchanged.
_BIND_AS_IS: dict[type, Callable[[Any], Any]] = {
    type(None): {}.get,  # None -> None, in C (a lambda would cost a Python frame)
    bool: int,
}


def _register_sqlite_adapters() -> None:
    import sqlite3

    for kind, adapter in _BIND_AS_IS.items():
        sqlite3.register_adapter(kind, adapter)


def make_engine(db: str, *, readonly: bool = False) -> Engine:
    url = database_url(db)
    if url.startswith("sqlite"):
        _register_sqlite_adapters()
        path = url.split("sqlite:///", 1)[-1]
        if readonly:
            if not Path(path).exists():
                raise StoreError(f"no database at {path}")
            # the SQLite driver itself refuses writes on a read-only connection
            engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
            event.listen(engine, "connect", lambda c, r: c.execute("PRAGMA busy_timeout=30000"))
            return engine
        engine = create_engine(url)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_engine(url, pool_pre_ping=True)
    if readonly:
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("SET TRANSACTION READ ONLY"))
    return engine


def config_hash(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:16]


class Store:
    """The writer. Create the schema, record runs, write documents one transaction each."""

    def __init__(self, db: str, *, create: bool = True) -> None:
        self.url = database_url(db)
        self.engine = make_engine(db)
        if create:
            try:
                self.create_schema()
            except OperationalError as exc:  # the first connection: a path, server or password problem
                raise StoreError(f"cannot open the database {_shown(self.url)}: "
                                 f"{str(exc.orig).splitlines()[0]}") from exc

    def create_schema(self) -> None:
        """A new database gets the schema from the migrations; an older one must be upgraded.

        See pipeline/migrations/__init__.py: `zhfacts db upgrade` is the only thing that
        changes an existing database's schema.
        """
        from pipeline.migrations import ensure_schema

        ensure_schema(self.engine)

    # runs ---------------------------------------------------------------------------
    def start_run(self, version: str, model: str, config: dict[str, Any]) -> int:
        import os

        with self.engine.begin() as conn:
            self._mark_dead_runs_interrupted(conn)
            result = conn.execute(
                insert(RUNS).values(
                    started=_now(), version=version, model=model, config=config,
                    config_hash=config_hash(config), status="running", pid=os.getpid(),
                )
            )
            return int(result.inserted_primary_key[0])

    def finish_run(self, run_id: int, status: str, counts: dict[str, int]) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(finished=_now(), status=status, **counts))

    def _mark_dead_runs_interrupted(self, conn: Any) -> None:
        """A run still 'running' whose process is gone was killed: say so."""
        import os

        rows = conn.execute(select(RUNS.c.id, RUNS.c.pid).where(RUNS.c.status == "running")).all()
        for run_id, pid in rows:
            if pid is None or pid == os.getpid() or _pid_alive(pid):
                continue
            conn.execute(update(RUNS).where(RUNS.c.id == run_id).values(status="interrupted"))

    def runs(self) -> list[RunInfo]:
        with self.engine.connect() as conn:
            result = conn.execute(select(RUNS).order_by(RUNS.c.id)).mappings().all()
        return [
            RunInfo(id=r["id"], started=r["started"], finished=r["finished"], version=r["version"], model=r["model"],
                    config=r["config"] or {}, status=r["status"], documents=r["documents"],
                    sentences=r["sentences"], facts=r["facts"], errors=r["errors"])
            for r in result
        ]

    # documents ----------------------------------------------------------------------
    def stored_hash(self, doc_id: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(DOCUMENTS.c.sha256).where(DOCUMENTS.c.id == doc_id)).scalar_one_or_none()

    def stored_hashes(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """sha256 of each of `doc_ids` already stored: one query for a whole batch."""
        if not doc_ids:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(DOCUMENTS.c.id, DOCUMENTS.c.sha256).where(DOCUMENTS.c.id.in_(list(doc_ids))))
            return {doc_id: sha for doc_id, sha in rows}

    def write_document(self, result: Writable, run_id: int | None, *, force: bool = False) -> WriteOutcome:
        """Write one document's rows in one transaction (see `write_documents`)."""
        return self.write_documents([result], run_id, force=force)[0]

    def write_documents(self, results: Sequence[Writable], run_id: int | None, *,
                        force: bool = False) -> list[WriteOutcome]:
        """Write a batch of documents in one transaction: one statement per table, whole
        documents only, so a kill leaves each document either fully stored or absent.

        Already stored with the same text: skipped. Stored with a different text:
        'changed' (left alone) unless `force`, which replaces all its rows at once.
        """
        prepared = [r if isinstance(r, PreparedDocument) else prepare_document(r) for r in results]
        if len({p.doc_id for p in prepared}) != len(prepared):
            return [o for p in prepared for o in self.write_documents([p], run_id, force=force)]
        try:
            return self._write_batch(prepared, run_id, force)
        except IntegrityError:
            if len(results) > 1:
                raise  # the caller settles the batch document by document (run._flush)
            # another writer (a concurrent run, a Ray worker) stored this document between
            # our check and our insert: its rows stand, ours were rolled back whole
            if self.stored_hash(prepared[0].doc_id) is None:
                raise
            return [WriteOutcome("skipped")]

    def _write_batch(self, batch: Sequence[PreparedDocument], run_id: int | None, force: bool) -> list[WriteOutcome]:
        outcomes: list[WriteOutcome] = []
        writing: list[PreparedDocument] = []
        with self.engine.begin() as conn:
            ids = [p.doc_id for p in batch]
            stored = dict(conn.execute(select(DOCUMENTS.c.id, DOCUMENTS.c.sha256).where(DOCUMENTS.c.id.in_(ids))).all())
            for p in batch:
                old = stored.get(p.doc_id)
                if old is not None and not force:
                    outcomes.append(WriteOutcome("skipped" if old == p.sha256 else "changed"))
                    continue
                outcomes.append(WriteOutcome("replaced" if old is not None else "added", len(p.sentences),
                                             len(p.facts), dict(p.facts_by_kind), list(p.warnings)))
                writing.append(p)
            replaced = [p.doc_id for p in writing if p.doc_id in stored]
            if replaced:
                for table in (FACTS, SENTENCES, ARTICLES, DOCUMENTS):
                    key = table.c.id if table is DOCUMENTS else table.c.doc_id
                    conn.execute(delete(table).where(key.in_(replaced)))
            if not writing:
                return outcomes
            documents = [{**p.document, "run_id": run_id} for p in writing]
            articles = [a for p in writing for a in p.articles]
            for table, dicts in ((DOCUMENTS, documents), (ARTICLES, articles)):
                if dicts:
                    columns = tuple(dicts[0])
                    _insert_rows(conn, table, columns, list(map(itemgetter(*columns), dicts)))
            sentences = [x for p in writing for x in p.sentences]
            if sentences:
                _insert_rows(conn, SENTENCES, SENTENCE_COLUMNS, sentences)
            facts = [(*f, run_id) for p in writing for f in p.facts]
            if facts:
                _insert_rows(conn, FACTS, (*FACT_COLUMNS, "run_id"), facts)
        return outcomes

    def record_error(self, run_id: int | None, error: DocumentError) -> None:
        with self.engine.begin() as conn:
            conn.execute(insert(ERRORS).values(run_id=run_id, created=_now(), **error.model_dump()))


# Rows per INSERT statement on SQLite. Each execution of a statement costs a step (the
# driver releases and retakes the GIL around it), a reset and AUTOINCREMENT's bookkeeping;
# one statement VALUES-ing 32 rows pays that once for all of them (measured on a 10x
# corpus's rows, with the adapters below: SQLite's insert work 1,254 M -> 924 M / 882 M /
# 861 M instructions at 8 / 16 / 32 rows). The ids are the same: the rows of a VALUES list
# are inserted in order.
ROWS_PER_INSERT = 32


@lru_cache(maxsize=64)
def _driver_insert_sql(table: str, columns: tuple[str, ...], quote: Callable[[str], str], rows: int = 1) -> str:
    """An INSERT of `rows` rows of `columns`, bound by position (rows one after the other)."""
    names = ", ".join(quote(c) for c in columns)
    row = f"({', '.join('?' * len(columns))})"
    return f"INSERT INTO {quote(table)} ({names}) VALUES {', '.join([row] * rows)}"


def _insert_rows(conn: Any, table: Table, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows (tuples in `columns` order), in as few statement executions as it takes.

    On SQLite the rows go straight to the driver, bound by position: SQLAlchemy's per-row
    parameter handling was most of the store stage's time. They go ROWS_PER_INSERT to a
    statement, the remainder one by one. The only type the driver would store differently
    from SQLAlchemy is a date (SQLAlchemy writes SQLite dates as ISO text), converted here.
    Other databases take SQLAlchemy Core, whose insertmanyvalues already batches rows.
    """
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), [dict(zip(columns, row)) for row in rows])
        return
    dates = {i for i, c in enumerate(columns) if isinstance(table.c[c].type, Date)}
    if dates:
        rows = [tuple(_iso(v) if i in dates else v for i, v in enumerate(row)) for row in rows]
    quote = conn.dialect.identifier_preparer.quote
    whole = len(rows) - len(rows) % ROWS_PER_INSERT
    if whole:
        sql = _driver_insert_sql(table.name, columns, quote, ROWS_PER_INSERT)
        conn.exec_driver_sql(sql, [tuple(chain.from_iterable(rows[i : i + ROWS_PER_INSERT]))
                                   for i in range(0, whole, ROWS_PER_INSERT)])
    if whole < len(rows):
        conn.exec_driver_sql(_driver_insert_sql(table.name, columns, quote), rows[whole:])


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _pid_alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# read-only access -----------------------------------------------------------------
_READ_ONLY_START = re.compile(r"^\s*(?:--[^\n]*\n\s*)*(select|with|explain|values|pragma\s+\w+\s*;?\s*$)", re.I)
_WRITE_WORD = re.compile(
    r"\b(insert|update|delete|drop|create|alter|replace|attach|detach|vacuum|reindex|truncate|grant|revoke)\b", re.I
)


def check_read_only_sql(sql: str) -> None:
    """Refuse SQL that writes, before it reaches the (already read-only) connection."""
    stripped = re.sub(r"'(?:[^']|'')*'", "''", sql)  # words inside string literals don't count
    if not _READ_ONLY_START.match(stripped) or _WRITE_WORD.search(stripped):
        raise StoreError("zhfacts query is read-only: only SELECT / WITH / EXPLAIN statements are allowed")


@contextmanager
def read_connection(db: str) -> Iterator[Any]:
    engine = make_engine(db, readonly=True)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def run_query(db: str, sql: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[Sequence[Any]]]:
    check_read_only_sql(sql)
    with read_connection(db) as conn:
        try:
            result = conn.execute(text(sql), params or {})
        except Exception as exc:  # the driver's message is what the user needs
            message = str(getattr(exc, "orig", exc)).splitlines()[0]
            if "readonly" in message or "read-only" in message:
                raise StoreError("zhfacts query is read-only: the database refused a write") from exc
            raise StoreError(f"query failed: {message}") from exc
        return list(result.keys()), [tuple(r) for r in result.fetchall()]
