"""Normalise: character folding, cut line breaks, and the map back to raw offsets."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.normalise import fold_chars, normalise
from tests.conftest import SEEDS

SEED_000 = SEEDS / "000_ee6c23fa554db40a.txt"
SEED_003 = SEEDS / "003_24b2b01388e8f82b.txt"
LONG = "获悉信息后,市社会维稳办立即协同文旅部门,对所有文化艺术类校外培训机构颁发了经"  # 40 chars, cut

# (raw, normalised text)
FOLD_CASES = [
    ("１２３，４５６．７８％", "123,456.78%"),
    ("总投资５．５亿元", "总投资5.5亿元"),
    ("气温　３３℃～２０℃", "气温 33℃~20℃"),
    ("增长10〜20﹪", "增长10~20%"),
    ("（下转第二版）", "(下转第二版)"),
    ("萬億個兩總資元為會區縣鄉鎮級", "万亿个两总资元为会区县乡镇级"),
    ("全市地區生產總值完成812.6億元,同比增長5.8%。", "全市地区生产总值完成812.6亿元,同比增长5.8%。"),
    ("乾隆年间", "乾隆年间"),  # a Simplified character OpenCC would change: kept
    ("1\u200b000万元", "1000万元"),  # zero-width space removed
    ("已经是简体中文,没有变化。", "已经是简体中文,没有变化。"),
]

# (raw, normalised text): which line breaks are cuts
BREAK_CASES = [
    # a long body line without final punctuation, continued on the next line
    (LONG + "\n\n营审核同意书。", LONG + "营审核同意书。"),
    # short line that opens like a sentence (time phrase + comma)
    ("今年2月,红旗区小店镇某村村民\n\n刘某驾驶电动三轮车,与郭某发生交通事故,造成两车损坏。",
     "今年2月,红旗区小店镇某村村民刘某驾驶电动三轮车,与郭某发生交通事故,造成两车损坏。"),
    # the next line starts with the tail of a word: "行 / 动?"
    ("“以人为本”,是口号还是行\n\n动?刘洪杰给出了答案。他多维度落实便民利民服务举措。",
     "“以人为本”,是口号还是行动?刘洪杰给出了答案。他多维度落实便民利民服务举措。"),
    # indentation and trailing blanks go with the break
    (LONG + "  \n　　营审核同意书。", LONG + "营审核同意书。"),
    # Latin words stay apart: the break becomes one space
    ("The report says the city invested 5.5 billion yuan in\nnew industrial parks over the last three years.",
     "The report says the city invested 5.5 billion yuan in new industrial parks over the last three years."),
]

# texts whose line breaks all stay
KEEP_CASES = [
    "集成高效,预防跑在风险前\n\n因经营不善,位于红旗区宝龙社区的一家培训机构不得不关门。",  # subheading
    "多元化解,一站式解“疙瘩”\n\n今年2月,红旗区小店镇某村村民",  # headline before a short line
    "魏建平在全市招商引资工作会议上强调 用好招商引资新模式 构建新机制\n\n本报讯(记者 王海玲)6月4日,我市召开会议。",
    "续写英雄宣言的时代荣光\n\n——陆军某合成旅“杨根思连”采访见闻\n\n□新乡日报全媒体记者 翟京元",
    "新乡日报\n\nXINXIANG RIBAO\n\n2024年6月5日 星期三\n农历甲辰年四月二十九",
    # a long truncated line followed by a new item that opens like a sentence
    "为切实抓好《民法典》的学习宣传和贯彻落实,进一步推动企业发展,及时掌握企业在发展中存在\n为进一步规范药店经营行为,严防药品安全风险,近日,市场监管局进行了约谈。",
    # lines ending in final punctuation, closing quotes, colons, dashes
    "要抓好链群招商。\n要抓好资本招商。",
    "他说:“做新时代英雄传人。”\n这是他的心里话,也是全连官兵的心声。",
    "该建设模式具有鲜明的特点——\n由市级投资公司助力县区解难题,让新乡投资集团参与建设。",
    "(下转第二版)\n\n辉县市:盘活低效用地「腾笼」引来「金凤」",
    "",
    "\n\n\n",
]


def _check_map(raw: str) -> None:
    norm = normalise(raw)
    assert len(norm.to_raw) == len(norm.text) + 1
    assert norm.to_raw[-1] == len(raw)
    assert all(a < b for a, b in zip(norm.to_raw, norm.to_raw[1:])), "to_raw must increase strictly"
    folded = fold_chars(raw)
    for i, char in enumerate(norm.text):
        assert char == folded[norm.to_raw[i]] or char == " ", (i, char)


@pytest.mark.parametrize(("raw", "expected"), FOLD_CASES)
def test_fold(raw: str, expected: str) -> None:
    norm = normalise(raw)
    assert norm.text == expected
    _check_map(raw)


@pytest.mark.parametrize(("raw", "expected"), BREAK_CASES)
def test_cut_breaks_removed(raw: str, expected: str) -> None:
    norm = normalise(raw)
    assert norm.text == expected
    _check_map(raw)


@pytest.mark.parametrize("raw", KEEP_CASES)
def test_real_breaks_kept(raw: str) -> None:
    assert normalise(raw).text == fold_chars(raw)
    _check_map(raw)


def test_raw_span_across_a_cut() -> None:
    raw = LONG + "\n\n营审核同意书。"
    norm = normalise(raw)
    start = norm.text.index("经营审核")
    rs, re_ = norm.raw_span(start, start + len("经营审核同意书"))
    assert raw[rs:re_] == "经\n\n营审核同意书"
    assert norm.raw_span(0, 0) == (0, 0)


def test_raw_span_of_folded_figure() -> None:
    raw = "总投资５．５亿元，同比增长１２％。"
    norm = normalise(raw)
    start = norm.text.index("5.5亿元")
    rs, re_ = norm.raw_span(start, start + len("5.5亿元"))
    assert raw[rs:re_] == "５．５亿元"


def test_seed_000_cuts() -> None:
    raw = SEED_000.read_text(encoding="utf-8")
    norm = normalise(raw)
    for joined in ("颁发了经营审核同意书。", "信息化支撑的基层治理平台。", "某村村民刘某驾驶电动三轮车",
                   "“爸、妈、奶奶,当你们看到", "是口号还是行动?刘洪杰", "向公安机关累计反馈"):
        assert joined in norm.text, joined
    assert len(raw) - len(norm.text) == 12  # six "\n\n" removed, nothing else
    for kept in ("新乡日报\n\nXINXIANG RIBAO", "预防跑在风险前\n\n因经营不善", "多元化解,一站式解“疙瘩”\n\n今年2月"):
        assert kept in norm.text, kept
    _check_map(raw)


def test_seed_003_has_no_cut() -> None:
    raw = SEED_003.read_text(encoding="utf-8")
    assert normalise(raw).text == raw
    _check_map(raw)


_PIECES = st.sampled_from([
    "\n", "\n\n", "\r\n", "\u2028", " ", "\u3000", "。", "!", "?", ";", ",", "”", "“", "——", ":",
    "１２３", "，", "．", "％", "～", "萬億元", "總資", "為會", "\u200b", "本报讯(记者 王某)", "□新乡日报全媒体记者 刘某",
    "(下转第二版)", "2024年6月5日 星期三", "今年2月,", "新乡日报", "增长5.8%", LONG, "营审核同意书", "abc", "XYZ ",
])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECES, max_size=30).map("".join))
def test_map_invariants_on_news_like_text(raw: str) -> None:
    _check_map(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_map_invariants_on_any_text(raw: str) -> None:
    _check_map(raw)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "中", " ", "\u3000", "\t", "\n", "\r", "\u2028", "\x0c", "\x1c", "\x1f",
                                         "\x85", "。"]), max_size=60) | st.text(max_size=100))
def test_lines_lie_between_break_runs(text: str) -> None:
    """text_lines (str.splitlines) finds the text between maximal runs of whitespace holding
    a line break, each stripped."""
    import re

    from pipeline.normalise import BREAK_CHARS, text_lines

    breaks = re.escape(BREAK_CHARS)
    runs = re.compile(rf"[^\S{breaks}]*[{breaks}]\s*")
    bounds = [0] + [b for m in runs.finditer(text) for b in m.span()] + [len(text)]
    expected = []
    for start, end in zip(bounds[::2], bounds[1::2]):
        chunk = text[start:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            expected.append((start + lead, start + lead + len(chunk.strip()), chunk.strip()))
    assert [tuple(line) for line in text_lines(text)] == expected


_FOLD_ALPHABET = st.sampled_from(["a", "中", "萬", "，", "１", "\u3000", "\u200b", "\ufeff", "\n", "乾", "\U00020000", "\U0002A6D6",
                                  "\U0001F600", "。"])


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_FOLD_ALPHABET, max_size=60) | st.text(max_size=60))
def test_fold_fast_paths_equal_translate(text: str) -> None:
    """The `touched` gate and the sparse/dense choice only skip work: folding is the table."""
    from pipeline.normalise import _fold_touched, _folding

    table = _folding().table
    assert fold_chars(text) == _fold_touched(text) == text.translate(table)


@pytest.mark.parametrize("text", [
    "增长，" * 10 + "中" * 3000 + "萬\U00020000\U0001F600",  # sparse: folded with the regex
    "萬億個兩總資元為會" * 400 + "１\u200b",  # dense: str.translate
    "中" * 5000 + "\u3000",
])
def test_fold_both_ways(text: str) -> None:
    from pipeline.normalise import _fold_touched, _folding

    assert _fold_touched(text) == text.translate(_folding().table)


@pytest.mark.parametrize("chars", ["\u200b", "\u200b\ufeff", "萬億", "x"])
def test_runs_pattern_matches_plus(chars: str) -> None:
    import re

    from pipeline.normalise import _runs_of

    text = f"a{chars}b{chars * 3}{chars[::-1]}c{chars}"
    plus = re.compile("[" + re.escape(chars) + "]+")
    assert [m.span() for m in _runs_of(chars).finditer(text)] == [m.span() for m in plus.finditer(text)]


def test_identity_map_is_a_range(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline import normalise as nm

    monkeypatch.setattr(nm, "_IDENTITY", [])
    monkeypatch.setattr(nm, "_IDENTITY_MAX", 100)
    for n in (0, 1, 3, 2, 10, 64, 65, 100, 101, 250, 7):
        assert nm._identity(n) == list(range(n)), n
    assert len(nm._IDENTITY) == 100


@pytest.mark.parametrize("raw", ["", "增长5%。", LONG + "\n\n营审核同意书。", "１\u200b２"])
def test_record_as_model_construct_builds_it(raw: str) -> None:
    from schemas.records import NormalisedText

    norm = normalise(raw)
    built = NormalisedText.model_construct(text=norm.text, to_raw=norm.to_raw)
    assert norm == built and norm.model_fields_set == built.model_fields_set
    assert norm.__pydantic_extra__ == built.__pydantic_extra__ and norm.__pydantic_private__ == built.__pydantic_private__
