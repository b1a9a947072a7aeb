"""Wires the stages for one document, or a stream of them.

normalise -> segment -> extract (char grammar, every sentence) -> nlp (only sentences
holding a figure: tokens and entities are context for measure and subject, and tagging
text with no figure would be wasted work) -> link -> Facts with raw offsets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pipeline.extract import extract_figures
from pipeline.link import LinkContext, link_figures
from pipeline.normalise import normalise
from pipeline.segment import segment
from schemas.records import DocumentResult, Fact, Figure, RawDocument

NLP_BATCH_SIZE = 64


@dataclass
class Pipeline:
    nlp: Any  # spacy.language.Language
    model_name: str
    batch_size: int = NLP_BATCH_SIZE
    stats: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, model: str = "auto") -> "Pipeline":
        from pipeline.nlp import build_nlp

        nlp, name = build_nlp(model)
        return cls(nlp=nlp, model_name=name)

    def process(self, doc: RawDocument) -> DocumentResult:
        return next(iter(self.process_many([doc])))

    def process_many(self, docs: Iterable[RawDocument]) -> Iterator[DocumentResult]:
        for doc in docs:
            yield self._process_one(doc)

    def _process_one(self, doc: RawDocument) -> DocumentResult:
        norm = normalise(doc.text)
        articles, sentences = segment(doc, norm)
        texts = [norm.text[s.norm_start : s.norm_end] for s in sentences]
        figures = [extract_figures(t, doc.published) for t in texts]
        wanted = [i for i, figs in enumerate(figures) if figs]
        spacy_docs: dict[int, Any] = {}
        if wanted:
            for i, sdoc in zip(wanted, self.nlp.pipe((texts[i] for i in wanted), batch_size=self.batch_size)):
                spacy_docs[i] = sdoc
        facts: list[Fact] = []
        context = LinkContext()
        current_article = -1
        for i, sent in enumerate(sentences):
            if sent.article != current_article:
                context, current_article = LinkContext(), sent.article
            context.observe(texts[i])
            if not figures[i]:
                continue
            linked = link_figures(texts[i], figures[i], spacy_docs.get(i), context)
            for fig in linked:
                facts.append(figure_to_fact(doc, norm_offset=sent.norm_start, fig=fig, sentence_index=sent.index, to_raw=norm))
        return DocumentResult(document=doc, articles=articles, sentences=sentences, facts=facts)


def figure_to_fact(doc: RawDocument, norm_offset: int, fig: Figure, sentence_index: int, to_raw: Any) -> Fact:
    start, end = to_raw.raw_span(norm_offset + fig.start, norm_offset + fig.end)
    data = fig.model_dump(exclude={"start", "end", "surface", "measure_start", "subject_start"})
    return Fact.model_validate(
        {**data, "doc_id": doc.doc_id, "sentence_index": sentence_index, "start": start, "end": end,
         "surface": doc.text[start:end]},
        context={"raw": doc.text},
    )


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
