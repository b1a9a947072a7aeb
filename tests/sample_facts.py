"""A small hand-made database for the export / review / report / migration tests.

Built from `schemas.records` directly (no extraction grammar involved), so the tests
know every expected row exactly: three documents, seven sentences (one without facts),
eleven facts of eight kinds, over two runs.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

from pipeline.store import Store
from schemas.records import Article, DocumentResult, Fact, RawDocument, Sentence

# (doc_id, title, published, sentences, facts); a fact is (surface, fields) and its
# offsets are found in the text, so they are right by construction.
DOCS: list[dict[str, Any]] = [
    {
        "doc_id": "xinxiang-2024-06-05",
        "title": "新乡市召开招商引资工作会议",
        "published": date(2024, 6, 5),
        "sentences": [
            "今年1至5月,全市新签约项目128个,总投资达到1520亿元。",
            "其中,比亚迪新能源电池项目投资约55亿元,占地约800亩,建设期3至5年。",
            "一季度全市地区生产总值同比增长6.1%。",
        ],
        "facts": [
            ("1至5月", dict(kind="date", unit="", date="2024-01", date_end="2024-05")),
            ("128个", dict(kind="count", value=128.0, unit="count", base_value=128.0, base_unit="count",
                          measure="新签约项目", subject="全市", date="2024-05")),
            ("1520亿元", dict(kind="money", value=1.52e11, unit="CNY", base_value=1.52e11, base_unit="CNY",
                            measure="总投资", subject="全市", date="2024-05")),
            ("约55亿元", dict(kind="money", value=5.5e9, unit="CNY", qualifier="approx", base_value=5.5e9,
                            base_unit="CNY", measure="投资", subject="比亚迪新能源电池项目")),
            ("约800亩", dict(kind="area", value=800.0, unit="mu", qualifier="approx", base_value=533333.3333333334,
                           base_unit="m2", measure="占地", subject="比亚迪新能源电池项目")),
            ("3至5年", dict(kind="duration", value=3.0, value_max=5.0, unit="year", qualifier="range",
                          base_value=26298.0, base_value_max=43830.0, base_unit="hour", measure="建设期")),
            ("同比增长6.1%", dict(kind="percent", value=6.1, unit="%", measure="地区生产总值", subject="全市",
                              date="2024-Q1", change=True, direction="up", basis="同比")),
        ],
    },
    {
        "doc_id": "gov-report-2023",
        # quotes, ampersand and angle brackets: the review page and the exports must keep them
        "title": "关于2023年<重点项目>建设情况的报告 & \"附表\"",
        "published": date(2023, 12, 28),
        "sentences": [
            "2023年12月,全市完成固定资产投资320.5亿元,较上年下降2.3%。",
            "新建5G基站1200座以上。",
            "会议强调要狠抓落实。",
        ],
        "facts": [
            ("2023年12月", dict(kind="date", unit="", date="2023-12")),
            ("320.5亿元", dict(kind="money", value=3.205e10, unit="CNY", base_value=3.205e10, base_unit="CNY",
                             measure="固定资产投资", subject="全市", date="2023-12")),
            ("下降2.3%", dict(kind="percent", value=2.3, unit="%", measure="固定资产投资", subject="全市",
                            date="2023-12", change=True, direction="down", basis="较上年")),
            ("1200座以上", dict(kind="count", value=1200.0, unit="count", qualifier="at_least", base_value=1200.0,
                              base_unit="count", measure="5G基站")),
        ],
    },
    {
        "doc_id": "wire-no-date",
        "title": None,
        "published": None,
        "sentences": ["今年出口额是去年的1.5倍。"],
        "facts": [
            ("1.5倍", dict(kind="multiple", value=1.5, unit="x", measure="出口额")),
        ],
    },
]

N_FACTS = sum(len(d["facts"]) for d in DOCS)
N_SENTENCES = sum(len(d["sentences"]) for d in DOCS)


def document_result(spec: dict[str, Any]) -> DocumentResult:
    text = "\n".join(spec["sentences"])
    doc = RawDocument(doc_id=spec["doc_id"], source=f"{spec['doc_id']}.txt", text=text, title=spec["title"],
                      published=spec["published"], published_from="metadata" if spec["published"] else None)
    sentences: list[Sentence] = []
    pos = 0
    for i, s in enumerate(spec["sentences"]):
        sentences.append(Sentence(doc_id=doc.doc_id, index=i, article=0, start=pos, end=pos + len(s), text=s,
                                  norm_start=pos, norm_end=pos + len(s)))
        pos += len(s) + 1
    facts: list[Fact] = []
    for surface, fields in spec["facts"]:
        start = text.index(surface)
        sentence = next(s for s in sentences if s.start <= start < s.end)
        facts.append(Fact.model_validate(
            {**fields, "doc_id": doc.doc_id, "sentence_index": sentence.index, "start": start,
             "end": start + len(surface), "surface": surface},
            context={"raw": text},
        ))
    return DocumentResult(document=doc, articles=[Article(index=0, start=0, end=len(text))], sentences=sentences,
                          facts=facts)


def build_sample_db(path: Path) -> str:
    """Write the sample documents: the first two in run 1, the last in run 2."""
    store = Store(str(path))
    run1 = store.start_run("0.1.0", "blank", {"paths": ["seeds/"]})
    for spec in DOCS[:2]:
        store.write_document(document_result(spec), run1)
    store.finish_run(run1, "ok", {"documents": 2, "sentences": 6, "facts": 11})
    run2 = store.start_run("0.1.0", "blank", {"paths": ["wire/"]})
    store.write_document(document_result(DOCS[2]), run2)
    store.finish_run(run2, "ok", {"documents": 1, "sentences": 1, "facts": 1})
    store.engine.dispose()
    return str(path)


def sql_rows(db: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows read with the plain sqlite3 module: an independent reader of the database."""
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()
