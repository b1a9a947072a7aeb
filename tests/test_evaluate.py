"""The scorer follows shared/eval/FORMAT.md: overlap + kind matching, optional facts, base units."""

from __future__ import annotations

import json

import pytest

from pipeline.evaluate import GoldFact, evaluate_documents, load_gold, match, strings_overlap, value_right
from schemas.records import DocumentResult, Fact

TEXT = "总投资5.5亿元,占地约122亩,年产1350亿斤,一家企业。"


def fact(surface: str, kind: str, value=None, unit="count", **kw) -> Fact:
    start = TEXT.index(surface)
    return Fact(kind=kind, value=value, unit=unit, doc_id="g", sentence_index=0, start=start,
                end=start + len(surface), surface=surface, **kw)


def gold(surface: str, kind: str, value=None, unit="count", **kw) -> GoldFact:
    start = TEXT.index(surface)
    return GoldFact(kind=kind, start=start, end=start + len(surface), surface=surface, value=value, unit=unit, **kw)


@pytest.mark.parametrize(
    "pred, want, right",
    [
        (fact("5.5亿元", "money", 5.5e8, "CNY"), gold("5.5亿元", "money", 5.5e8, "CNY"), True),
        (fact("5.5亿元", "money", 5.5e8 * 1.00005, "CNY"), gold("5.5亿元", "money", 5.5e8, "CNY"), True),
        (fact("5.5亿元", "money", 5.5e8 * 1.001, "CNY"), gold("5.5亿元", "money", 5.5e8, "CNY"), False),
        (fact("5.5亿元", "money", 5.5e8, "USD"), gold("5.5亿元", "money", 5.5e8, "CNY"), False),
        (fact("1350亿斤", "weight", 6.75e10, "kg"), gold("1350亿斤", "weight", 1.35e11, "jin"), True),
        (fact("约122亩", "area", 122 * 10000 / 15, "m2", qualifier="approx"),
         gold("约122亩", "area", 122, "mu", qualifier="approx"), True),
        (fact("约122亩", "area", 122, "mu"), gold("约122亩", "area", 122, "mu", qualifier="approx"), False),
    ],
)
def test_value_right(pred, want, right):
    assert value_right(pred, want) is right


@pytest.mark.parametrize(
    "a, b, overlap",
    [("总投资", "总投资", True), ("诉调成功率", "民事案件诉调成功率", True), ("网格员", "微网格员", True),
     ("村", "小区", False), (None, "村", False), ("投资额", "总投资", True), ("贷款", "存款余额", False)],
)
def test_strings_overlap(a, b, overlap):
    assert strings_overlap(a, b) is overlap


def test_match_is_one_to_one_by_overlap_and_kind():
    preds = [fact("5.5亿元", "money", 5.5e8, "CNY"), fact("122亩", "count", 122.0)]
    golds = [gold("5.5亿元", "money", 5.5e8, "CNY"), gold("约122亩", "area", 122.0, "mu")]
    assert match(preds, golds) == [(0, 0)]  # kinds differ on the second pair


class FixedPipeline:
    model_name = "fixed"

    def __init__(self, facts):
        self.facts = facts

    def process(self, doc):
        return DocumentResult(document=doc, articles=[], sentences=[], facts=self.facts)


def test_evaluate_counts_optional_facts_as_neither(tmp_path):
    golds = [gold("5.5亿元", "money", 5.5e8, "CNY", measure="总投资"), gold("约122亩", "area", 122.0, "mu",
             qualifier="approx"), gold("一家", "count", 1.0, optional=True)]
    preds = [fact("5.5亿元", "money", 5.5e8, "CNY", measure="总投资"), fact("一家", "count", 1.0),
             fact("1350亿斤", "weight", 1.35e11, "jin")]
    path = tmp_path / "g.jsonl"
    doc = {"doc_id": "g", "published": None, "text": TEXT,
           "facts": [{**g.__dict__} for g in golds]}
    path.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    ev = evaluate_documents(load_gold(path), FixedPipeline(preds))
    s = ev.overall.scores()
    # tp: 5.5亿元; fp: 1350亿斤 (一家 matched an optional fact: not counted); fn: 约122亩
    assert (s["tp"], s["fp"], s["fn"]) == (1, 1, 1)
    assert s["precision"] == pytest.approx(0.5) and s["recall"] == pytest.approx(0.5)
    assert s["value_accuracy"] == 1.0 and s["measure_accuracy"] == 1.0
    assert sorted(e["error"] for e in ev.errors) == ["false positive", "miss"]
