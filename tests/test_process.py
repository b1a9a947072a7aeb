"""The whole document path (normalise → segment → extract → nlp → link → Facts) on any input.

Property tests: no input string makes the pipeline raise, and every fact and sentence it
produces satisfies the raw-offset invariant `raw[start:end] == surface`.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.records import RawDocument

# characters that exercise the grammar: numerals, scales, units, qualifiers, punctuation,
# full-width forms, Traditional forms, line breaks
FIGURE_ALPHABET = list(
    "0123456789０１２３４５６７８９.．,，%％‰~～-—至到零〇一二两三四五六七八九十百千万亿萬億兩個"
    "元亩米吨斤个名家户人次年月日季度上下半今去明前约近余多以上下不到超过突破分之成倍第位全省市县"
    "增长下降同比较百分点℃：:;；。！？!?\n\n  \t「」“”()（）第届期号"
)
news_like = st.lists(st.sampled_from(FIGURE_ALPHABET), max_size=120).map("".join)


def _check(pipeline, text: str, published: dt.date | None) -> None:
    doc = RawDocument(doc_id="p", source="<hypothesis>", text=text, published=published)
    result = pipeline.process(doc)
    for s in result.sentences:
        assert text[s.start : s.end] == s.text
    for f in result.facts:
        assert text[f.start : f.end] == f.surface
        assert 0 <= f.sentence_index < len(result.sentences)
        sent = result.sentences[f.sentence_index]
        assert sent.start <= f.start and f.end <= sent.end  # a fact lies inside its sentence


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=news_like, published=st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))))
def test_figure_heavy_text_never_raises_and_offsets_hold(blank_pipeline, text, published):
    _check(blank_pipeline, text, published)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=200))
def test_any_unicode_never_raises_and_offsets_hold(blank_pipeline, text):
    _check(blank_pipeline, text, None)


def test_seed_documents_keep_every_fact_inside_its_sentence(blank_pipeline):
    from pathlib import Path

    for path in sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        _check(blank_pipeline, text, dt.date(2024, 6, 5))
