"""Extract stage: the character-level figure grammar.

``extract_figures(text, published)`` finds every figure in one sentence's normalised
text. Offsets in the returned Figures are offsets into ``text``. The grammar works on
characters, not tokens: segmenters split ``5.5|亿元`` and glue ``占地约``.

Sub-modules, one concern each:
- numbers.py  numerals (Arabic, Chinese, mixed, vague) -> values
- figures.py  number + qualifier + unit + range -> non-date Figures
- dates.py    absolute / partial / relative dates and periods -> date Figures
- filters.py  what is not a fact (names, codes, slogans, phone numbers, URLs)
"""

from __future__ import annotations

from datetime import date
from operator import attrgetter

from pipeline.extract.dates import find_dates
from pipeline.extract.figures import find_figures
from schemas.records import Figure

_START = attrgetter("start")


def resolve_overlaps(figures: list[Figure]) -> list[Figure]:
    """Keep a non-overlapping set: longer spans win; on equal spans a date wins."""
    if len(figures) < 2:
        return figures  # most sentences: nothing to rank
    in_order = sorted(figures, key=_START)
    # Most sentences have no overlap at all: then every figure is kept, in text order,
    # which is what the ranking below gives too (non-empty disjoint spans have distinct starts).
    previous_end = 0
    for fig in in_order:
        if not previous_end <= fig.start < fig.end:
            break
        previous_end = fig.end
    else:
        return in_order
    ranked = sorted(figures, key=lambda f: (-(f.end - f.start), f.kind != "date", f.start))
    kept: list[Figure] = []
    for fig in ranked:
        if all(fig.end <= k.start or fig.start >= k.end for k in kept):
            kept.append(fig)
    return sorted(kept, key=_START)


def extract_figures(text: str, published: date | None = None) -> list[Figure]:
    figures = find_figures(text)
    dates = find_dates(text, published)
    if not dates:
        # find_figures scans on from the end of each figure it keeps: its figures are
        # disjoint and in text order already, which is what resolve_overlaps would return
        return figures
    return resolve_overlaps(figures + dates)
