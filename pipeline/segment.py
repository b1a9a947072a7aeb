"""Segment stage (stub). Replaced by the real implementation."""

from __future__ import annotations

import re

from schemas.records import Article, NormalisedText, RawDocument, Sentence

_SENT = re.compile(r"[^。！？!?\n]+[。！？!?]*")


def segment(doc: RawDocument, norm: NormalisedText) -> tuple[list[Article], list[Sentence]]:
    articles = [Article(index=0, title=doc.title, start=0, end=len(doc.text))]
    sentences: list[Sentence] = []
    for m in _SENT.finditer(norm.text):
        if not m.group().strip():
            continue
        rs, re_ = norm.raw_span(m.start(), m.end())
        sentences.append(
            Sentence(doc_id=doc.doc_id, index=len(sentences), article=0, start=rs, end=re_,
                     text=doc.text[rs:re_], norm_start=m.start(), norm_end=m.end())
        )
    return articles, sentences
