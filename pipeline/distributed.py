"""`zhfacts run --engine ray`: the same stages on a Ray cluster, through Ray Data.

The driver (the `zhfacts run` process) does what a local run does around the stages:
it ingests (streaming), drops documents already stored unchanged (run.py's
`_skip_stored`, one lookup per batch), records errors and the run. Documents go to Ray in
bounded chunks: each chunk is a `ray.data.from_items` dataset mapped by `map_batches` over
a pool of `concurrency=N` actors (`DocumentWorker`), each of which loads the spaCy
pipeline once per chunk and runs `Pipeline.process` exactly as a local run does.

Who writes depends on the database:
- PostgreSQL (or any server database): each actor opens its own `Store` and writes its
  documents itself, one transaction each; idempotent through the unique keys
  (documents.id, facts (doc_id, start, end, kind)) as in `Store.write_document`. Only a
  small `WriteOutcome` per document comes back to the driver.
- SQLite (one writer): the actors send their results back and the driver writes them,
  as with `--workers N`.

Memory on the driver is bounded by one chunk of documents (`chunk_docs`), whatever the
size of the corpus; Ray Data streams within a chunk.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pipeline.process import Pipeline
from pipeline.run import DocumentEngine, Item, Outcome, RunTarget, _batches, process_safely
from pipeline.rows import WriteOutcome
from pipeline.store import Store
from schemas.records import Article, DocumentError, DocumentResult, Fact, RawDocument, Sentence

log = logging.getLogger("zhfacts.distributed")

# Documents per Ray Data dataset. Larger chunks amortise actor start-up (a model load per
# actor per chunk); smaller ones bound the driver's memory more tightly.
CHUNK_DOCS = 4096
# Documents per actor call: small, so a chunk spreads evenly over the actors.
ACTOR_BATCH = 8


@dataclass(frozen=True)
class _Processed:
    """A result sent back to the driver, without the document the driver already holds."""

    articles: list[Article]
    sentences: list[Sentence]
    facts: list[Fact]


class DocumentWorker:
    """A Ray Data actor: loads the pipeline once, processes (and maybe writes) batches."""

    def __init__(self, model: str, db: str | None, run_id: int, force: bool) -> None:
        self.pipeline = Pipeline.load(model)
        # the driver created the schema; workers only write rows
        self.store = Store(db, create=False) if db is not None else None
        self.run_id = run_id
        self.force = force

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        out: list[bytes] = []
        for blob in batch["doc"]:
            doc: RawDocument = pickle.loads(blob)
            result = process_safely(self.pipeline, doc)
            reply: DocumentError | WriteOutcome | _Processed
            if isinstance(result, DocumentError):
                reply = result
            elif self.store is not None:
                reply = self.store.write_document(result, self.run_id, force=self.force)
            else:
                reply = _Processed(result.articles, result.sentences, result.facts)
            out.append(pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL))
        return {"pos": batch["pos"], "out": out}

    def __del__(self) -> None:
        if getattr(self, "store", None) is not None:
            self.store.engine.dispose()


def _model_name(model: str) -> str:
    return Pipeline.load(model).model_name


class RayEngine(DocumentEngine):
    """Processes documents on Ray Data actors; see the module docstring."""

    def __init__(self, model: str, *, workers: int | None = None, address: str | None = None,
                 workers_write: bool = False, chunk_docs: int | None = None, actor_batch: int | None = None) -> None:
        import ray

        self.model = model
        self.workers_write = workers_write
        self.chunk_docs = chunk_docs or CHUNK_DOCS
        self.actor_batch = actor_batch or ACTOR_BATCH
        # a Ray already started in this process (tests, notebooks) is used and left running
        self._owns_ray = not ray.is_initialized()
        if self._owns_ray:
            ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING,
                     log_to_driver=False)
        _quiet_ray_data()
        self.workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        # the name of the model the cluster runs, as stored with the run
        self.model_name = ray.get(ray.remote(_model_name).remote(model))

    def map(self, items: Iterable[Item], target: RunTarget) -> Iterator[Outcome]:
        for chunk in _batches(items, self.chunk_docs):
            docs = [i for i in chunk if isinstance(i, RawDocument)]
            for item in chunk:
                if isinstance(item, DocumentError):
                    yield item, None
            if docs:
                yield from self._run_chunk(docs, target)

    def _run_chunk(self, docs: list[RawDocument], target: RunTarget) -> Iterator[Outcome]:
        import ray

        rows = [{"pos": pos, "doc": pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)}
                for pos, doc in enumerate(docs)]
        dataset = ray.data.from_items(rows, override_num_blocks=max(1, min(len(rows) // self.actor_batch, 200)))
        del rows
        mapped = dataset.map_batches(
            DocumentWorker,
            fn_constructor_kwargs={"model": self.model, "db": target.db if self.workers_write else None,
                                   "run_id": target.run_id, "force": target.force},
            # a fixed pool of N actors (`concurrency=N` in newer Ray's words)
            compute=ray.data.ActorPoolStrategy(size=min(self.workers, max(1, len(docs) // self.actor_batch))),
            batch_size=self.actor_batch,
            num_cpus=1,
        )
        for row in mapped.iter_rows():
            doc = docs[int(row["pos"])]
            reply = pickle.loads(row["out"])
            if isinstance(reply, _Processed):
                # validated in the worker already; the driver only re-attaches the document
                reply = DocumentResult.model_construct(document=doc, articles=reply.articles,
                                                       sentences=reply.sentences, facts=reply.facts)
            yield doc, reply

    def close(self) -> None:
        import ray

        if self._owns_ray and ray.is_initialized():
            ray.shutdown()


def _quiet_ray_data() -> None:
    """Stages never print: no progress bars or per-dataset log lines from Ray Data."""
    from ray.data import DataContext

    ctx = DataContext.get_current()
    ctx.enable_progress_bars = False
    ctx.print_on_execution_start = False
    for name in ("ray.data", "ray"):
        logging.getLogger(name).setLevel(logging.WARNING)
