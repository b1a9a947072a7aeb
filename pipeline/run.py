"""`zhfacts run`: a corpus through every stage into the database, as one recorded run.

Documents stream through in bounded batches (memory does not grow with the corpus).
A document that fails any stage becomes a row in `errors` naming its file, and the run
goes on with the others. Each document is written in its own transaction.
"""

from __future__ import annotations

import functools
import gc
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pipeline import __version__, is_blank
from pipeline.ingest import iter_documents
from pipeline.rows import SENTENCE_COLUMNS, PreparedDocument, Writable, WriteOutcome, prepare_document
from schemas.records import DocumentError, DocumentResult, RawDocument

if TYPE_CHECKING:
    from concurrent.futures import Future

    # the stages are imported where a pipeline is loaded: with a worker pool, in the workers
    # only, after the fork (see PoolEngine); the store once the pool has started (run_corpus)
    from pipeline.process import Pipeline
    from pipeline.store import Store

log = logging.getLogger("zhfacts.run")


@dataclass
class RunSummary:
    run_id: int
    model: str
    status: str = "ok"
    documents: int = 0  # written (added or replaced)
    skipped: int = 0  # already stored, unchanged
    changed: int = 0  # stored with another text, left alone without --force
    sentences: int = 0
    facts: int = 0
    chars: int = 0
    errors: list[DocumentError] = field(default_factory=list)
    facts_by_kind: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        return {"documents": self.documents, "skipped": self.skipped, "sentences": self.sentences,
                "facts": self.facts, "errors": len([e for e in self.errors if e.severity == "error"])}


ProgressCallback = Callable[[RunSummary, str], None]
# documents written per transaction: one INSERT per table per batch, whole documents only
WRITE_BATCH = 32
EngineName = Literal["local", "ray"]
# documents whose stored hashes are looked up in one query (skip-stored check); the first
# lookups are smaller, so the first documents reach the workers after a few are read
SKIP_LOOKUP_BATCH = 256
SKIP_LOOKUP_FIRST = 8


# A run allocates millions of short-lived containers (records, their dicts, match lists),
# almost none of them in reference cycles. At Python's default gen-0 threshold (700) the
# collector's young passes were ~3.5% of a blank run's per-document instructions
# (cachegrind, 3x corpus); at 10,000 they are rare, and cycles are still collected.
GC_YOUNG_THRESHOLD = 10_000


def _rare_young_collections(fn: Callable[..., RunSummary]) -> Callable[..., RunSummary]:
    """Run `fn` with GC_YOUNG_THRESHOLD (pool workers, forked inside, inherit it), then
    give the process its own threshold back."""

    @functools.wraps(fn)
    def with_threshold(*args: Any, **kwargs: Any) -> RunSummary:
        previous = gc.get_threshold()
        gc.set_threshold(max(GC_YOUNG_THRESHOLD, previous[0]), *previous[1:])
        try:
            return fn(*args, **kwargs)
        finally:
            gc.set_threshold(*previous)

    return with_threshold


@_rare_young_collections
def run_corpus(
    paths: Sequence[str | Path],
    db: str,
    *,
    model: str = "auto",
    published: date | None = None,
    force: bool = False,
    max_bytes: int = 20_000_000,
    workers: int | None = None,
    engine: EngineName = "local",
    address: str | None = None,
    pipeline: Pipeline | None = None,
    progress: ProgressCallback | None = None,
) -> RunSummary:
    """Run every stage over `paths` into `db`.

    engine "local": `workers` > 1 processes documents in that many processes (the model
    loaded once in each), while this process alone writes. engine "ray": the stages run
    on a Ray cluster (`address`, or a local one), `workers` actors (default: the
    cluster's CPUs); see pipeline/distributed.py.
    """
    # a local pool starts before the database is opened, and before SQLAlchemy is even
    # imported (~0.15 CPU-s; nothing a worker runs needs it): its workers load the model and
    # warm up while this process imports the store and creates the schema
    doc_engine = make_document_engine(engine, model, workers) if _uses_pool(engine, workers) else None
    try:
        from pipeline.store import Store

        store = Store(db)
        if doc_engine is None:
            doc_engine = make_document_engine(engine, model, workers, pipeline=pipeline, address=address, store=store)
        model_name = doc_engine.model_name  # a model that cannot load fails here, before the run is recorded
    except BaseException:
        if doc_engine is not None:
            doc_engine.close()
        raise
    config = {"paths": [str(p) for p in paths], "model": model, "published": published, "force": force,
              "max_bytes": max_bytes, "workers": workers or 1, "engine": engine}
    run_id = store.start_run(__version__, model_name, config)
    summary = RunSummary(run_id=run_id, model=model_name)
    target = RunTarget(db=db, run_id=run_id, force=force)
    started = time.perf_counter()
    status = "failed"
    try:
        items = iter_documents(paths, published=published, max_bytes=max_bytes)
        pending: list[tuple[RawDocument, Writable]] = []
        # once every document is handed out, what is written while results are awaited is not
        # left to write after the last one
        doc_engine.on_idle = lambda: _flush(store, run_id, force, summary, pending, progress)
        for item, result in doc_engine.map(_skip_stored(items, store, force, summary, run_id), target):
            if isinstance(item, DocumentError):
                _record(store, run_id, summary, item)
            elif isinstance(result, DocumentError):
                _record(store, run_id, summary, result)
            elif isinstance(result, WriteOutcome):  # engines whose workers write (Ray + PostgreSQL)
                _count(store, run_id, summary, item, result, progress)
            elif result is not None:
                pending.append((item, result))
                if len(pending) >= WRITE_BATCH:
                    _flush(store, run_id, force, summary, pending, progress)
        _flush(store, run_id, force, summary, pending, progress)
        status = "partial" if any(e.severity == "error" for e in summary.errors) else "ok"
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        doc_engine.close()
        summary.status = status
        summary.seconds = time.perf_counter() - started
        store.finish_run(run_id, status, summary.counts())
        store.engine.dispose()
    return summary


def make_document_engine(
    engine: EngineName, model: str, workers: int | None, *, pipeline: Pipeline | None = None,
    address: str | None = None, store: Store | None = None,
) -> "DocumentEngine":
    if engine == "ray":
        from pipeline.distributed import RayEngine

        # PostgreSQL takes many writers: Ray workers write their own documents; SQLite
        # has one writer, so results come back to this process
        workers_write = store is not None and store.engine.dialect.name != "sqlite"
        return RayEngine(model, workers=workers, address=address, workers_write=workers_write)
    if engine != "local":
        raise ValueError(f"unknown engine {engine!r} (local | ray)")
    if _uses_pool(engine, workers):
        return PoolEngine(model, workers or 1)
    if pipeline is None:
        from pipeline.process import Pipeline

        pipeline = Pipeline.load(model)
    return LocalEngine(pipeline)


def _uses_pool(engine: EngineName, workers: int | None) -> bool:
    return engine == "local" and workers is not None and workers > 1


def _flush(store: Store, run_id: int, force: bool, summary: RunSummary,
           pending: list[tuple[RawDocument, Writable]], progress: ProgressCallback | None) -> None:
    """Write the pending documents in one transaction, then count what happened."""
    if not pending:
        return
    try:
        outcomes: list[WriteOutcome | None] = list(store.write_documents([r for _, r in pending], run_id, force=force))
    except Exception:  # noqa: BLE001 - one document spoiled the batch: settle them one by one
        outcomes = [_write_one(store, run_id, force, summary, doc, result) for doc, result in pending]
    for (doc, _), outcome in zip(pending, outcomes):
        if outcome is not None:
            _count(store, run_id, summary, doc, outcome, progress)
    pending.clear()


def _write_one(store: Store, run_id: int, force: bool, summary: RunSummary, doc: RawDocument,
               result: Writable) -> WriteOutcome | None:
    try:
        return store.write_document(result, run_id, force=force)
    except Exception as exc:  # noqa: BLE001 - the document is not stored; the run goes on
        log.exception("writing %s failed", doc.source)
        _record(store, run_id, summary, DocumentError(source=doc.source, doc_id=doc.doc_id, stage="store",
                                                      message=f"{type(exc).__name__}: {str(exc).splitlines()[0]}"))
        return None


def _count(store: Store, run_id: int, summary: RunSummary, doc: RawDocument, outcome: WriteOutcome,
           progress: ProgressCallback | None) -> None:
    if outcome.status in ("added", "replaced"):
        for warning in outcome.warnings:
            _record(store, run_id, summary, warning)
        summary.documents += 1
        summary.sentences += outcome.sentences
        summary.facts += outcome.facts
        summary.chars += len(doc.text)
        summary.facts_by_kind.update(outcome.facts_by_kind)
    elif outcome.status == "skipped":
        summary.skipped += 1
    if progress:
        progress(summary, doc.doc_id)


def _skip_stored(
    items: Iterable[RawDocument | DocumentError], store: Store, force: bool, summary: RunSummary, run_id: int
) -> Iterator[RawDocument | DocumentError]:
    """Drop documents already stored unchanged before any work is spent on them.

    Stored hashes are looked up a batch at a time (one query per SKIP_LOOKUP_BATCH
    documents, not one per document; the first batches, from SKIP_LOOKUP_FIRST, double up
    to that size).
    """
    for batch in _batches(items, SKIP_LOOKUP_BATCH, first=SKIP_LOOKUP_FIRST):
        stored_hashes = {} if force else store.stored_hashes(
            [i.doc_id for i in batch if isinstance(i, RawDocument)])
        for item in batch:
            if isinstance(item, RawDocument) and not force:
                stored = stored_hashes.get(item.doc_id)
                if stored == item.sha256:
                    summary.skipped += 1
                    continue
                if stored is not None:
                    summary.changed += 1
                    _record(store, run_id, summary, DocumentError(
                        source=item.source, doc_id=item.doc_id, stage="store", severity="warning",
                        message="document changed since it was stored; left as stored (use --force to re-extract)"))
                    continue
            yield item


def process_safely(pipe: Pipeline, doc: RawDocument) -> DocumentResult | DocumentError:
    """One document through the stages; a failure becomes an error naming the document."""
    try:
        return pipe.process(doc)
    except Exception as exc:  # one bad document must not stop the run
        log.exception("processing %s failed", doc.source)
        return DocumentError(source=doc.source, doc_id=doc.doc_id, stage="process",
                             message=f"{type(exc).__name__}: {exc}")


Item = RawDocument | DocumentError
# per item: the result to write, an error, an outcome a worker already wrote, or None
# (the item was itself an error)
Outcome = tuple[Item, DocumentResult | PreparedDocument | DocumentError | WriteOutcome | None]


@dataclass(frozen=True)
class RunTarget:
    """Where a run writes: what an engine whose workers write needs to know."""

    db: str
    run_id: int
    force: bool


class DocumentEngine:
    """Where documents are processed. Every item comes back once, paired with its result."""

    model_name: str
    # called by an engine about to wait for a result once the whole input is handed out:
    # the caller's work done then (the writer writing what it holds) is off the run's end
    on_idle: Callable[[], None] | None = None

    def map(self, items: Iterable[Item], target: RunTarget) -> Iterator[Outcome]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class LocalEngine(DocumentEngine):
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.model_name = pipeline.model_name

    def map(self, items: Iterable[Item], target: RunTarget) -> Iterator[Outcome]:
        for item in items:
            yield item, (process_safely(self.pipeline, item) if isinstance(item, RawDocument) else None)


_WORKER_PIPELINE: Pipeline | None = None


_WORKER_LOAD_ERROR: Exception | None = None


def _worker_init(model: str) -> None:
    global _WORKER_PIPELINE, _WORKER_LOAD_ERROR
    try:
        from pipeline.process import Pipeline

        _WORKER_PIPELINE = Pipeline.load(model)
    except Exception as exc:  # noqa: BLE001 - handed to the caller by _worker_model_name
        # raised here, it would only break the pool ("terminated abruptly"), hiding why
        _WORKER_LOAD_ERROR = exc
        return
    _WORKER_PIPELINE.warm_up()


def _worker_model_name(_: object) -> str:
    if _WORKER_LOAD_ERROR is not None:
        raise _WORKER_LOAD_ERROR
    assert _WORKER_PIPELINE is not None
    return _WORKER_PIPELINE.model_name


def _worker_process(doc: RawDocument) -> PreparedDocument | DocumentError:
    """In a worker: process, and turn the result into plain rows, cheap to send back."""
    assert _WORKER_PIPELINE is not None
    result = process_safely(_WORKER_PIPELINE, doc)
    return result if isinstance(result, DocumentError) else _without_text(prepare_document(result))


def _worker_process_all(docs: list[RawDocument]) -> list[PreparedDocument | DocumentError]:
    """In a worker: one message's documents, in order."""
    return [_worker_process(doc) for doc in docs]


# sentence rows end with their text, raw_text[start:end] (Sentence checks it)
_SENTENCE_START, _SENTENCE_END = SENTENCE_COLUMNS.index("start"), SENTENCE_COLUMNS.index("end")
assert SENTENCE_COLUMNS[-1] == "text"


def _without_text(prepared: PreparedDocument) -> PreparedDocument:
    """The rows without the document's text and its sentences' texts: the writer sent the
    text and still holds it, so it need not travel back (it was half of every reply)."""
    prepared.document["raw_text"] = None
    prepared.sentences = [(*row[:-1], None) for row in prepared.sentences]
    return prepared


def _with_text(prepared: PreparedDocument, text: str) -> PreparedDocument:
    """`_without_text` undone, in the writer, from the document's text."""
    prepared.document["raw_text"] = text
    prepared.sentences = [(*row[:-1], text[row[_SENTENCE_START] : row[_SENTENCE_END]]) for row in prepared.sentences]
    return prepared


class WorkerDied(RuntimeError):
    """A worker process ended without handing back its documents."""


class PoolEngine(DocumentEngine):
    """N worker processes, each loading the model once; batches bound what is in flight.

    concurrent.futures' process pool, not multiprocessing.Pool: Pool's worker-handler
    thread also wakes on the result pipe and spins while results wait there, which cost
    the one writing process ~1.4 CPU-s per 3,200 documents (measured) on a 2-core machine
    where every CPU-second is taken from the workers.
    """

    def __init__(self, model: str, workers: int, batch_per_worker: int = 16, in_flight: int = 4, chunk: int = 4) -> None:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        if not is_blank(model):
            # spaCy, numpy and the model's code imported once, here, are shared by the forked
            # workers; each worker importing them took ~1 CPU-s, all at the same moment
            import pipeline.nlp  # noqa: F401
        # fork keeps start-up cheap; the model is loaded after the fork, in each worker, and
        # the stages are imported there (~0.67 G instructions: the grammar's regexes): before
        # the fork the writer ran them alone, a core idle; after it, the workers' imports run
        # beside the writer's store import and schema set-up
        self.pool = ProcessPoolExecutor(workers, mp_context=mp.get_context("fork"), initializer=_worker_init,
                                        initargs=(model,))
        # items per message to a worker: one message per document kept the pool's threads
        # busy (~10% of the workers' CPU at 10x)
        self.chunk = chunk
        # items read ahead of the one being handed back: `in_flight` batches of
        # `batch_per_worker` per worker, enough that the workers stay busy while the caller
        # writes (two batches left them idle), few enough to bound memory
        self.ahead = max(2, in_flight) * workers * batch_per_worker
        # asked now, read when needed: the caller opens the database while workers load
        self._model_name = self.pool.submit(_worker_model_name, None)

    @property
    def model_name(self) -> str:  # type: ignore[override]
        return self._model_name.result()

    def map(self, items: Iterable[Item], target: RunTarget) -> Iterator[Outcome]:
        from collections import deque
        from concurrent.futures.process import BrokenProcessPool

        # each message to a worker is one future: the first is sent as soon as `chunk` items
        # are read (a whole batch read first kept both workers waiting at the start)
        in_flight: deque[tuple[list[Item], Future[list[Any]] | None]] = deque()
        items_in_flight = 0
        try:
            for group in _batches(items, self.chunk):
                docs = [i for i in group if isinstance(i, RawDocument)]
                in_flight.append((group, self.pool.submit(_worker_process_all, docs) if docs else None))
                items_in_flight += len(group)
                while items_in_flight >= self.ahead:
                    group, future = in_flight.popleft()
                    items_in_flight -= len(group)
                    yield from _pair(group, future)
            # the input is read: what the caller does while waiting now shortens the run's end
            while in_flight:
                group, future = in_flight.popleft()
                if future is not None and not future.done() and self.on_idle is not None:
                    self.on_idle()
                yield from _pair(group, future)
        except BrokenProcessPool as exc:
            # killed from outside (out of memory, a signal) or crashed in native code: the
            # documents already written stay whole; a re-run does the rest
            raise WorkerDied(f"a worker process died ({exc}): the documents still in flight were not stored; "
                             "run again to process them (stored documents are skipped)") from None

    def close(self) -> None:
        # an interrupted run must not wait for the documents still queued: the workers are
        # stopped, as Pool.terminate did (the executor has no public terminate before 3.14)
        processes = list((getattr(self.pool, "_processes", None) or {}).values())
        self.pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join()


def _record(store: Store, run_id: int, summary: RunSummary, error: DocumentError) -> None:
    summary.errors.append(error)
    store.record_error(run_id, error)


def _batches(items: Iterable[Any], size: int, first: int | None = None) -> Iterator[list[Any]]:
    """Lists of `size` items (the last may be shorter); with `first`, the first list holds
    `first` items and each next one twice as many, up to `size`."""
    limit = min(first or size, size)
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= limit:
            yield batch
            batch = []
            limit = min(2 * limit, size)
    if batch:
        yield batch


def _pair(group: list[Item], future: Future[list[Any]] | None) -> Iterator[Outcome]:
    """A group's items with their results (the documents' from `future`, in order)."""
    results = iter(future.result() if future is not None else ())
    for item in group:
        if not isinstance(item, RawDocument):
            yield item, None
            continue
        result = next(results)
        yield item, (_with_text(result, item.text) if isinstance(result, PreparedDocument) else result)


def facts_by_kind(summary: RunSummary) -> dict[str, int]:
    return dict(sorted(summary.facts_by_kind.items(), key=lambda kv: (-kv[1], kv[0])))


def describe(summary: RunSummary) -> dict[str, Any]:
    return {
        "run": summary.run_id, "status": summary.status, "model": summary.model,
        "documents": summary.documents, "skipped": summary.skipped, "changed": summary.changed,
        "sentences": summary.sentences, "facts": summary.facts, "facts_by_kind": facts_by_kind(summary),
        "errors": len([e for e in summary.errors if e.severity == "error"]),
        "warnings": len([e for e in summary.errors if e.severity == "warning"]),
        "seconds": round(summary.seconds, 2),
    }
