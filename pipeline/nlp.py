"""NLP stage (stub: blank char pipeline). Replaced by the real implementation."""

from __future__ import annotations

from spacy.language import Language


def build_nlp(model: str = "auto") -> tuple[Language, str]:
    import spacy

    nlp = spacy.blank("zh")
    return nlp, "blank"
