"""A document's rows as the writer inserts them: plain tuples and dicts, made where the
document was processed (a pool worker) and sent to the one writer.

No SQLAlchemy here: pool workers need this module, and forking them before the writer
imports SQLAlchemy (~0.15 CPU-s) lets that import run while they warm up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Literal

from schemas.records import FACT_CONTENT_FIELDS, DocumentError, DocumentResult

WriteStatus = Literal["added", "replaced", "skipped", "changed"]


@dataclass
class WriteOutcome:
    status: WriteStatus
    sentences: int = 0
    facts: int = 0
    # facts written per kind: what a run reports, also when a remote worker did the writing
    facts_by_kind: dict[str, int] = field(default_factory=dict)
    # what the pipeline dropped from the written document, for the run's errors table
    warnings: list[DocumentError] = field(default_factory=list)


# column order of PreparedDocument's sentence and fact rows (tuples: smaller to send from a
# worker and bound by position, which SQLite does faster than by name)
SENTENCE_COLUMNS = ("doc_id", "index", "article", "start", "end", "text")
FACT_COLUMNS = FACT_CONTENT_FIELDS
# rows read from the records' field dicts: an attribute read on a pydantic record walks its
# class's MRO first, ~3x a dict look-up, and a document has hundreds of facts
_fact_row = itemgetter(*FACT_COLUMNS)  # the database gives the id; the run id is added at write time
_sentence_row = itemgetter(*SENTENCE_COLUMNS[1:])  # after the document's id


@dataclass
class PreparedDocument:
    """One document's rows, ready to insert (without run ids, added at write time).

    Built where the document was processed (a worker process), so what travels to the one
    writer is plain rows, not hundreds of Pydantic records to pickle and unpickle.
    """

    doc_id: str
    sha256: str
    document: dict[str, Any]
    articles: list[dict[str, Any]]
    sentences: list[tuple[Any, ...]]  # in SENTENCE_COLUMNS order
    facts: list[tuple[Any, ...]]  # in FACT_COLUMNS order
    facts_by_kind: dict[str, int]
    warnings: list[DocumentError]


def prepare_document(result: DocumentResult) -> PreparedDocument:
    d = result.document
    sha256 = d.sha256  # computed from the text at each read
    kinds: dict[str, int] = {}
    for f in result.facts:
        kinds[f.kind] = kinds.get(f.kind, 0) + 1
    return PreparedDocument(
        doc_id=d.doc_id,
        sha256=sha256,
        document={"id": d.doc_id, "source": d.source, "title": d.title, "published": d.published,
                  "published_from": d.published_from, "encoding": d.encoding, "format": d.format,
                  "sha256": sha256, "n_chars": len(d.text), "raw_text": d.text},
        articles=[{"doc_id": d.doc_id, "index": a.index, "title": a.title, "start": a.start, "end": a.end}
                  for a in result.articles],
        sentences=[(d.doc_id, *_sentence_row(s.__dict__)) for s in result.sentences],
        facts=[_fact_row(f.__dict__) for f in result.facts],
        facts_by_kind=kinds,
        warnings=list(result.warnings),
    )


Writable = DocumentResult | PreparedDocument
