"""Scoring against gold annotations, exactly as ../shared/eval/FORMAT.md's Scoring says.

A prediction matches a gold fact when their spans overlap and their kinds are equal,
one-to-one, greedy by overlap. Optional gold facts are neither rewarded nor punished:
a prediction matched to one drops out of the count, and missing one costs nothing.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.process import Pipeline
from schemas.records import Fact, RawDocument

# FORMAT.md: numbers compare within 0.01% relative after converting both sides to a base
# unit. This is the scorer's own definition, independent of the extractor's unit table.
SCORING_BASE: dict[str, tuple[str, float]] = {
    "mu": ("m2", 10000 / 15), "hectare": ("m2", 10000.0), "km2": ("m2", 1e6), "m2": ("m2", 1.0),
    "km": ("m", 1000.0), "cm": ("m", 0.01), "m": ("m", 1.0),
    "ton": ("kg", 1000.0), "jin": ("kg", 0.5), "kg": ("kg", 1.0),
    "hour": ("second", 3600.0), "minute": ("second", 60.0), "day": ("second", 86400.0), "second": ("second", 1.0),
}
REL_TOLERANCE = 1e-4


@dataclass
class GoldFact:
    kind: str
    start: int
    end: int
    surface: str
    value: float | None = None
    value_max: float | None = None
    unit: str | None = None
    qualifier: str = "exact"
    date: str | None = None
    date_end: str | None = None
    measure: str | None = None
    subject: str | None = None
    change: bool = False
    optional: bool = False


@dataclass
class GoldDocument:
    doc_id: str
    text: str
    published: date | None
    title: str | None
    facts: list[GoldFact]


def load_gold(path: str | Path) -> list[GoldDocument]:
    docs = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        obj = json.loads(line)
        facts = [GoldFact(**{k: v for k, v in f.items() if k in GoldFact.__dataclass_fields__}) for f in obj["facts"]]
        published = date.fromisoformat(obj["published"]) if obj.get("published") else None
        docs.append(GoldDocument(obj.get("doc_id") or f"gold-{n}", obj["text"], published, obj.get("title"), facts))
    return docs


def _to_base(value: float | None, unit: str | None) -> tuple[float | None, str | None]:
    if value is None or unit not in SCORING_BASE:
        return value, unit
    base, factor = SCORING_BASE[unit]
    return value * factor, base


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=REL_TOLERANCE, abs_tol=1e-9)


def value_right(pred: Fact, gold: GoldFact) -> bool:
    if gold.kind == "date":
        return pred.date == gold.date and pred.date_end == gold.date_end
    pv, pu = _to_base(pred.value, pred.unit)
    gv, gu = _to_base(gold.value, gold.unit)
    pm, _ = _to_base(pred.value_max, pred.unit)
    gm, _ = _to_base(gold.value_max, gold.unit)
    return pu == gu and pred.qualifier == gold.qualifier and _close(pv, gv) and _close(pm, gm)


def strings_overlap(a: str | None, b: str | None) -> bool:
    """'Overlap of the two strings': one holds the other, or they share two characters in a row."""
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    return any(a[i : i + 2] in b for i in range(len(a) - 1))


def match(preds: list[Fact], golds: list[GoldFact]) -> list[tuple[int, int]]:
    """One-to-one pairs (pred index, gold index), greedy by overlap length."""
    pairs = []
    for i, p in enumerate(preds):
        for j, g in enumerate(golds):
            overlap = min(p.end, g.end) - max(p.start, g.start)
            if overlap > 0 and p.kind == g.kind:
                pairs.append((overlap, i, j))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    used_p: set[int] = set()
    used_g: set[int] = set()
    out = []
    for _, i, j in pairs:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            out.append((i, j))
    return out


@dataclass
class Tally:
    tp: int = 0  # matched required gold
    fp: int = 0  # predictions matched to nothing
    fn: int = 0  # required gold matched by nothing
    value_ok: int = 0
    measure_n: int = 0
    measure_ok: int = 0
    subject_n: int = 0
    subject_ok: int = 0

    def add(self, other: "Tally") -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    def scores(self) -> dict[str, float | int]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        ep = self.value_ok / (self.tp + self.fp) if self.tp + self.fp else 0.0
        er = self.value_ok / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return {
            "precision": p, "recall": r, "f1": f1,
            "value_accuracy": self.value_ok / self.tp if self.tp else 0.0,
            "e2e_f1": 2 * ep * er / (ep + er) if ep + er else 0.0,
            # None where the gold names no measure / subject (dates): not applicable, not zero
            "measure_accuracy": self.measure_ok / self.measure_n if self.measure_n else None,
            "subject_accuracy": self.subject_ok / self.subject_n if self.subject_n else None,
            "measure_n": self.measure_n, "subject_n": self.subject_n,
            "tp": self.tp, "fp": self.fp, "fn": self.fn,
        }


@dataclass
class Evaluation:
    model: str
    overall: Tally = field(default_factory=Tally)
    by_kind: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "overall": self.overall.scores(),
            "by_kind": {k: t.scores() for k, t in sorted(self.by_kind.items())},
        }


def _sentence_around(text: str, start: int, end: int) -> str:
    left = max(text.rfind(c, 0, start) for c in "。！？\n") + 1
    rights = [i for i in (text.find(c, end) for c in "。！？\n") if i >= 0]
    right = min(rights) + 1 if rights else len(text)
    return text[left:right].strip()


def evaluate_documents(docs: Iterable[GoldDocument], pipeline: Pipeline) -> Evaluation:
    ev = Evaluation(model=pipeline.model_name)
    for gdoc in docs:
        raw = RawDocument(doc_id=gdoc.doc_id, source="gold", text=gdoc.text, published=gdoc.published,
                          title=gdoc.title, format="gold")
        preds = pipeline.process(raw).facts
        pairs = match(preds, gdoc.facts)
        matched_p = {i for i, _ in pairs}
        matched_g = {j for _, j in pairs}
        for i, j in pairs:
            p, g = preds[i], gdoc.facts[j]
            if g.optional:
                continue
            t = Tally(tp=1)
            ok = value_right(p, g)
            t.value_ok = int(ok)
            if g.measure:
                t.measure_n, t.measure_ok = 1, int(strings_overlap(p.measure, g.measure))
            if g.subject:
                t.subject_n, t.subject_ok = 1, int(strings_overlap(p.subject, g.subject))
            ev.overall.add(t)
            ev.by_kind[g.kind].add(t)
            if not ok:
                ev.errors.append(_error("wrong value", gdoc, p, g))
            else:
                if g.measure and not t.measure_ok:
                    ev.errors.append(_error("wrong measure", gdoc, p, g))
                if g.subject and not t.subject_ok:
                    ev.errors.append(_error("wrong subject", gdoc, p, g))
        for i, p in enumerate(preds):
            if i not in matched_p:
                ev.overall.add(Tally(fp=1))
                ev.by_kind[p.kind].add(Tally(fp=1))
                ev.errors.append(_error("false positive", gdoc, p, None))
        for j, g in enumerate(gdoc.facts):
            if j not in matched_g and not g.optional:
                ev.overall.add(Tally(fn=1))
                ev.by_kind[g.kind].add(Tally(fn=1))
                ev.errors.append(_error("miss", gdoc, None, g))
    return ev


def _error(what: str, gdoc: GoldDocument, pred: Fact | None, gold: GoldFact | None) -> dict[str, Any]:
    anchor = pred or gold
    assert anchor is not None
    def brief(x: Any) -> dict[str, Any] | None:
        if x is None:
            return None
        keys = ("kind", "surface", "start", "end", "value", "value_max", "unit", "qualifier", "date", "date_end",
                "measure", "subject")
        return {k: getattr(x, k) for k in keys if getattr(x, k, None) is not None}
    return {"error": what, "doc_id": gdoc.doc_id, "sentence": _sentence_around(gdoc.text, anchor.start, anchor.end),
            "predicted": brief(pred), "gold": brief(gold)}
