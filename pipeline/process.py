"""Wires the stages for one document, or a stream of them.

normalise -> segment -> extract (char grammar, every sentence) -> nlp (only sentences
holding a figure: tokens and entities are context for measure and subject, and tagging
text with no figure would be wasted work; not at all for a model whose Docs carry no
entities or tags, like `blank`) -> link -> Facts with raw offsets.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from pipeline import is_blank
from pipeline.extract import extract_figures
from pipeline.link import LinkContext, link_figures
from pipeline.normalise import normalise_with_lines
from pipeline.segment import segment
from schemas.records import (FACT_CONTENT_FIELDS, DocumentError, DocumentResult, Fact, Figure, RawDocument, Sentence,
                             construct_valid, field_values, value_problem)

log = logging.getLogger("zhfacts.process")

NLP_BATCH_SIZE = 64
# sentences that reach what the stages build on first use: the grammar's ratio and fraction
# branches, relative dates, a named subject and an anaphor
WARM_UP_TEXT = ("某县2023年投资约5.5亿元，占地300亩，同比增长12%。该县去年男女比例为1:2。"
                "三分之一的村已通网。全省排名第3，师生比达到1:15的占三分之二。")


@dataclass
class Pipeline:
    nlp: Any  # spacy.language.Language; None when it would never run (context False)
    model_name: str
    batch_size: int = NLP_BATCH_SIZE
    stats: dict[str, float] = field(default_factory=dict)

    # False when the model's Docs carry nothing link reads (see nlp.gives_context)
    context: bool = True

    @classmethod
    def load(cls, model: str = "auto") -> "Pipeline":
        if is_blank(model):
            # build_nlp("blank") is spaCy's char tokenizer and a sentence marker: its Docs
            # carry nothing link reads (gives_context is False for it, tested), so it would
            # never run; not building it spares every process the spaCy import (~0.6 s)
            return cls(nlp=None, model_name="blank", context=False)
        from pipeline.nlp import build_nlp, gives_context

        nlp, name = build_nlp(model)
        return cls(nlp=nlp, model_name=name, context=gives_context(nlp))

    def warm_up(self) -> None:
        """Build now what the stages build on first use (the grammar's patterns, the date
        and name vocabularies, the model's first call), by processing a sample.

        A pool worker does this while the writer is still opening the database, so the
        cost is not paid again on the run's first documents.
        """
        self.process(RawDocument(doc_id="warm-up", source="warm-up", text=WARM_UP_TEXT, published="2024-06-30"))
        self.stats.clear()

    def process(self, doc: RawDocument) -> DocumentResult:
        return next(iter(self.process_many([doc])))

    def process_many(self, docs: Iterable[RawDocument]) -> Iterator[DocumentResult]:
        for doc in docs:
            yield self._process_one(doc)

    def _process_one(self, doc: RawDocument) -> DocumentResult:
        # seconds per stage, summed over documents: cheap (a few clock reads per sentence
        # with a figure) and what the benchmark reads to show the slowest stage
        stats, clock = self.stats, time.perf_counter
        t0 = clock()
        norm, lines = normalise_with_lines(doc.text)
        t1 = clock()
        articles, sentences = segment(doc, norm, lines)
        t2 = clock()
        texts = [norm.text[s.norm_start : s.norm_end] for s in sentences]
        warnings: list[DocumentError] = []
        figures = [_extract_sentence(doc, s, t, warnings) for s, t in zip(sentences, texts)]
        t3 = clock()
        # the model is context for measure and subject, which dates never get: a sentence
        # holding only dates (or nothing) is not tagged at all
        wanted = [i for i, figs in enumerate(figures) if any(f.kind != "date" for f in figs)] if self.context else []
        spacy_docs: dict[int, Any] = {}
        if wanted:
            for i, sdoc in zip(wanted, self.nlp.pipe((texts[i] for i in wanted), batch_size=self.batch_size)):
                spacy_docs[i] = sdoc
        t4 = clock()
        facts: list[Fact] = []
        context = LinkContext()
        current_article = -1
        link_seconds = 0.0
        for i, sent in enumerate(sentences):
            if sent.article != current_article:
                context, current_article = LinkContext(), sent.article
            started = clock()
            context.observe(texts[i])
            if not figures[i]:
                link_seconds += clock() - started
                continue
            linked = link_figures(texts[i], figures[i], spacy_docs.get(i), context)
            link_seconds += clock() - started
            for fig in linked:
                try:
                    facts.append(figure_to_fact(doc, norm_offset=sent.norm_start, fig=fig,
                                                sentence_index=sent.index, to_raw=norm))
                except ValidationError as exc:  # an impossible value is dropped, never stored
                    warnings.append(_warning(doc, "validate", f"sentence {sent.index}: dropped {fig.kind} "
                                             f"{fig.surface!r}: {_first_error(exc)}"))
        # every part is a record already built and checked: validating the whole again would
        # re-run each Sentence's and Fact's own checks (pydantic runs a model's after-validators
        # even on an instance it does not revalidate)
        result = construct_valid(DocumentResult, {"document": doc, "articles": articles, "sentences": sentences,
                                                  "facts": facts, "warnings": warnings})
        t5 = clock()
        for stage, seconds in (("normalise", t1 - t0), ("segment", t2 - t1), ("extract", t3 - t2), ("nlp", t4 - t3),
                               ("link", link_seconds), ("facts", t5 - t4 - link_seconds)):
            stats[stage] = stats.get(stage, 0.0) + seconds
        return result


def _extract_sentence(doc: RawDocument, sent: Sentence, text: str, warnings: list[DocumentError]) -> list[Figure]:
    """The grammar on one sentence; should it fail there, the rest of the document goes on."""
    try:
        return extract_figures(text, doc.published)
    except Exception as exc:  # noqa: BLE001 - a grammar bug must cost one sentence, not the document
        log.exception("extract failed on %s sentence %d", doc.source, sent.index)
        warnings.append(_warning(doc, "extract", f"sentence {sent.index}: {type(exc).__name__}: {exc}"))
        return []


def _warning(doc: RawDocument, stage: str, message: str) -> DocumentError:
    return DocumentError(source=doc.source, doc_id=doc.doc_id, stage=stage, severity="warning", message=message)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return str(err.get("msg", exc)).removeprefix("Value error, ")


def figure_to_fact(doc: RawDocument, norm_offset: int, fig: Figure, sentence_index: int, to_raw: Any) -> Fact:
    """The Fact of a linked Figure, in raw document offsets.

    Built without re-validating what is valid by construction, as Figures are: the Figure's
    fields were checked when it was made (types, `value_problem`), the offsets come from
    the normalisation map, the surface is the raw text at them. What can still fail is
    checked here (an empty raw span; a value link changed); a Fact that fails goes through
    `Fact.model_validate`, which raises the ValidationError the caller reports.
    """
    start, end = to_raw.raw_span(norm_offset + fig.start, norm_offset + fig.end)
    data = field_values(fig)
    # offsets into the sentence are not stored; start, end, surface are re-added in raw
    # offsets after doc_id and sentence_index: Fact's declaration order
    del data["measure_start"], data["subject_start"], data["start"], data["end"], data["surface"]
    data.update(doc_id=doc.doc_id, sentence_index=sentence_index, start=start, end=end, surface=doc.text[start:end],
                run_id=None, id=None)
    if end > start and value_problem(fig.kind, fig.value, fig.value_max) is None:
        return construct_valid(Fact, data, _FACT_FIELDS_SET.copy())  # the ids are left unset
    del data["run_id"], data["id"]
    return Fact.model_validate(data, context={"raw": doc.text})


# a Fact's fields set (all but the ids): a copy of this one per fact, which need not hash
# its ~20 names again as building it from FACT_CONTENT_FIELDS would
_FACT_FIELDS_SET: set[str] = set(FACT_CONTENT_FIELDS)


def extract_snippet(text: str, published: date | None = None, pipeline: Pipeline | None = None) -> list[Fact]:
    """Facts of a piece of text, no database: what `zhfacts extract` and the case tests use."""
    pipe = pipeline or _default_snippet_pipeline()
    doc = RawDocument(doc_id="snippet", source="<text>", text=text, published=published)
    return pipe.process(doc).facts


_SNIPPET_PIPELINE: Pipeline | None = None


def _default_snippet_pipeline() -> Pipeline:
    global _SNIPPET_PIPELINE
    if _SNIPPET_PIPELINE is None:
        _SNIPPET_PIPELINE = Pipeline.load("blank")
    return _SNIPPET_PIPELINE
