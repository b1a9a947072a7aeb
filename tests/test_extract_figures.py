"""find_figures (pipeline/extract/figures.py): exact values and offsets, plus properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from regex_starts import first_chars, gate_and_starts

from pipeline.extract.figures import find_figures

# text, [(surface, start, kind, value, value_max, unit, qualifier)]
CASES: list[tuple[str, list[tuple[str, int, str, float, float | None, str, str]]]] = [
    ("项目总投资5.5亿元,项目占地约122亩。", [
        ("5.5亿元", 5, "money", 5.5e8, None, "CNY", "exact"),
        ("约122亩", 15, "area", 122, None, "mu", "approx")]),
    ("目前全市有近2.3万名网格员", [("近2.3万名", 5, "count", 23000, None, "count", "approx")]),
    ("挽回经济损失1600余万元", [("1600余万元", 6, "money", 1.6e7, None, "CNY", "at_least")]),
    ("今日天气 阴 33℃~20℃", [("33℃~20℃", 7, "temperature", 20, 33, "celsius", "range")]),
    ("每个行政村5户到15户", [("5户到15户", 5, "count", 5, 15, "count", "range")]),
    ("经过两三个小时的努力", [("两三个小时", 2, "duration", 2, 3, "hour", "range")]),
    ("特别是近5年来人口增加了4万人", [
        ("近5年来", 3, "duration", 5, None, "year", "approx"),
        ("4万人", 12, "count", 40000, None, "count", "exact")]),
    ("途经800米范围之内且停留10分钟以上", [
        ("800米范围之内", 2, "length", 800, None, "m", "at_most"),
        ("10分钟以上", 13, "duration", 10, None, "minute", "at_least")]),
    ("强度预计达2.29%以上", [("2.29%以上", 5, "percent", 2.29, None, "percent", "at_least")]),
    ("位居全省第三、行业第一", [
        ("全省第三", 2, "rank", 3, None, "rank", "exact"),
        ("行业第一", 7, "rank", 1, None, "rank", "exact")]),
    ("数量分别突破800家和500家", [
        ("突破800家", 4, "count", 800, None, "count", "at_least"),
        ("500家", 11, "count", 500, None, "count", "at_least")]),
    ("收入“翻番”", [("翻番", 3, "multiple", 2, None, "times", "exact")]),
    ("增速为负3.9%,自然增长率-0.81‰", [
        ("负3.9%", 3, "percent", -3.9, None, "percent", "exact"),
        ("-0.81‰", 14, "percent", -0.81, None, "permille", "exact")]),
    ("提高3.5个百分点", [("3.5个百分点", 2, "percent", 3.5, None, "pp", "exact")]),
    ("百分之四十的村", [("百分之四十", 0, "percent", 40, None, "percent", "exact")]),
    ("下降两成,七成以上", [
        ("两成", 2, "percent", 20, None, "percent", "exact"),
        ("七成以上", 5, "percent", 70, None, "percent", "at_least")]),
    ("效率提高3-5倍", [("3-5倍", 4, "multiple", 3, 5, "times", "range")]),
    ("粮食产量1350亿斤", [("1350亿斤", 4, "weight", 1.35e11, None, "jin", "exact")]),
    ("上传信息六七条", [("六七条", 4, "count", 6, 7, "count", "range")]),
    ("3个多小时的行驶", [("3个多小时", 0, "duration", 3, None, "hour", "at_least")]),
    ("70多年后的今天", [("70多年", 0, "duration", 70, None, "year", "at_least")]),
    ("新建农村公路120.5千米", [("120.5千米", 6, "length", 120.5, None, "km", "exact")]),
    ("接待游客100万人次", [("100万人次", 4, "quantity", 1e6, None, "person_trips", "exact")]),
    ("人均收入为32,189元", [("32,189元", 5, "money", 32189, None, "CNY", "exact")]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:12] for c in CASES])
def test_find_figures(text: str, expected: list) -> None:
    got = [(f.surface, f.start, f.kind, f.value, f.value_max, f.unit, f.qualifier) for f in find_figures(text)]
    want = [(s, st_, k, pytest.approx(v), None if vm is None else pytest.approx(vm), u, q)
            for s, st_, k, v, vm, u, q in expected]
    assert got == want


NOTHING = [
    "第9兵团20军58师172团3连", "“8+17+N”和“3+N”", "推进5G网络建设", "实施361015工程", "总第13324期 CN 41-0006",
    "沿107国道行驶", "“十四五”规划和二十大精神", "第四届博览会", "详见第二版", "电话0373-2021234", "今日星期三",
    "“十大行动”", "“十项重点工作”", "三零、双过半", "一站式服务,一体化建设", "一是加强领导,二是压实责任",
    "一方面,一系列", "一家化工企业发生一次事故", "该企业于2022年停产", "2021-2025年规划", "把安全放在首位",
    "争第一", "连队第6986名战士", "千家万户", "今年前4个月", "电动三轮车", "一对一帮扶", "比分3比2", "",
    "www.xxrb.com.cn", "他读5年级", "建成5天然气站", "一元化管理",
]


@pytest.mark.parametrize("text", NOTHING)
def test_not_a_figure(text: str) -> None:
    assert find_figures(text) == []


def test_base_values() -> None:
    area, length, duration = find_figures("占地70亩,长5公里,用时30分钟")
    assert (area.base_value, area.base_unit) == (pytest.approx(46666.6667), "m2")
    assert (length.base_value, length.base_unit) == (5000, "m")
    assert (duration.base_value, duration.base_unit) == (pytest.approx(0.5), "hour")


def test_change_fields_left_to_link() -> None:
    (fig,) = find_figures("营业收入同比增长55%")
    assert (fig.surface, fig.measure, fig.subject, fig.change) == ("55%", None, None, False)


# ---- properties -----------------------------------------------------------------------

_ALPHABET = list("0123456789.,%‰~-至到第约近多余几数上百千万亿萬億零〇一二两三四五六七八九十个家名人亩米吨元年月日天小时分钟以上下内来成分之翻番倍全省首位“”,。、+NG的是")
_TEXT = st.lists(st.sampled_from(_ALPHABET), max_size=40).map("".join) | st.text(max_size=40)


@settings(max_examples=600, deadline=None)
@given(_TEXT)
def test_never_raises_and_surfaces_are_exact(text: str) -> None:
    figures = find_figures(text)
    previous_end = 0
    for fig in figures:
        assert text[fig.start : fig.end] == fig.surface
        assert previous_end <= fig.start < fig.end  # in order, not overlapping, not empty (extract_figures relies on it)
        previous_end = fig.end
        assert fig.kind != "date"


@pytest.mark.parametrize(
    "text, value, base_value",
    [
        ("营收1.0753亿元", 107530000.0, 107530000.0),
        ("投资2.3亿美元", 230000000.0, 230000000.0),
        ("1.1万亿元", 1100000000000.0, 1100000000000.0),
        ("0.07万吨", 700.0, 700000.0),
        ("三点五亿元", 350000000.0, 350000000.0),
        ("0.3万人", 3000.0, 3000.0),
        ("20至30万元", 200000.0, 200000.0),
    ],
)
def test_values_are_the_exact_decimals_the_text_writes(text, value, base_value):
    """Equality, not closeness: value × scale is computed in decimal, never leaving float dust."""
    (fig,) = find_figures(text)
    assert fig.value == value and fig.base_value == base_value


_CUE_ALPHABET = [*_ALPHABET, ":", "：", "分之", "1:", ":2", "比"]


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "money", "value": 5.0, "value_max": None, "unit": "CNY", "qualifier": "exact", "base_value": 5.0,
         "base_value_max": None, "base_unit": "CNY", "surface": "5元", "start": 3, "end": 5},
        {"kind": "area", "value": 1.0, "value_max": 2.5, "unit": "mu", "qualifier": "range", "base_value": 666.67,
         "base_value_max": 1666.67, "base_unit": "m2", "surface": "1-2.5亩", "start": 0, "end": 6},
        {"kind": "temperature", "value": -3.0, "value_max": None, "unit": "celsius", "qualifier": "approx",
         "base_value": -3.0, "base_value_max": None, "base_unit": "celsius", "surface": "零下3度", "start": 0,
         "end": 4},
    ],
)
def test_value_figure_is_the_validated_figure(fields: dict) -> None:
    from pipeline.extract.figure_record import value_figure
    from schemas.records import Figure

    built, validated = value_figure(**fields), Figure(**fields)
    assert list(built.__dict__.items()) == list(validated.__dict__.items())  # values and field order
    assert built.model_fields_set == validated.model_fields_set
    assert repr(built) == repr(validated) and built == validated
    built.measure = "投资"  # still validated on assignment, and recorded as set
    assert "measure" in built.model_fields_set


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "count", "value": -1.0, "value_max": None, "unit": "count", "qualifier": "exact",
         "base_value": -1.0, "base_value_max": None, "base_unit": "count", "surface": "x", "start": 0, "end": 1},
        {"kind": "money", "value": 5.0, "value_max": 4.0, "unit": "CNY", "qualifier": "range", "base_value": 5.0,
         "base_value_max": 4.0, "base_unit": "CNY", "surface": "x", "start": 0, "end": 1},
        {"kind": "money", "value": 5.0, "value_max": None, "unit": "CNY", "qualifier": "roughly", "base_value": 5.0,
         "base_value_max": None, "base_unit": "CNY", "surface": "x", "start": 0, "end": 1},
    ],
)
def test_value_figure_rejects_what_the_schema_rejects(fields: dict) -> None:
    from pydantic import ValidationError

    from pipeline.extract.figure_record import value_figure

    with pytest.raises(ValidationError):
        value_figure(**fields)


def test_date_figure_is_the_validated_figure() -> None:
    from pipeline.extract.figure_record import date_figure
    from schemas.records import Figure

    for iso, iso_end in (("2024-06", None), ("2024-Q1", "2024-Q3"), (None, None)):
        built = date_figure(date=iso, date_end=iso_end, surface="今年", start=1, end=3)
        validated = Figure(kind="date", unit="date", value=None, qualifier="exact", date=iso, date_end=iso_end,
                           start=1, end=3, surface="今年")
        assert list(built.__dict__.items()) == list(validated.__dict__.items())
        assert built.model_fields_set == validated.model_fields_set and built == validated


_MASK_ALPHABET = [*_ALPHABET, "http://", "www.", "a", "Z", "@", ".com", ".cn", "电话", "Tel", ":", " ", "-", "+",
                  "13912345678", "0373-", "1234567", "工程", "星期", "礼拜", "CN", "十四五", "千家万户"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_MASK_ALPHABET), max_size=25).map("".join))
def test_masks_for_a_text_are_those_of_the_full_regex(text: str) -> None:
    """The mask regex built for a text (patterns without their cue left out) finds the same
    spans as the one with every pattern."""
    from pipeline.extract.filters import _MASKED, _mask_regex, _mask_regex_for

    every = _mask_regex((True,) * len(_MASKED))
    assert [m.span() for m in _mask_regex_for(text).finditer(text)] == [m.span() for m in every.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_MASK_ALPHABET), max_size=25).map("".join))
def test_a_mask_regex_without_its_lookahead_finds_the_same(text: str) -> None:
    """_mask_regex leaves the first-character lookahead out when every pattern opens with a
    literal (the engine then skips to those characters itself): the spans are those the
    lookahead form finds, and the mobile pattern's lookbehind after its 1 is the one before it."""
    import re

    from pipeline.extract.filters import _MASKED, _UNCUED_MASK_RE

    kept = [m for m in _MASKED if not m.cues]
    assert all(m.literal_first for m in kept) and not _UNCUED_MASK_RE.pattern.startswith("(?=")
    starts = re.escape("".join(sorted({c for m in kept for c in m.first_chars})))
    patterns = [r"(?<!\d)1[3-9]\d{9}(?!\d)" if m.pattern.startswith("1(?<!") else m.pattern for m in kept]
    with_lookahead = re.compile(f"(?=[{starts}])(?:" + "|".join(patterns) + ")")
    assert [m.span() for m in _UNCUED_MASK_RE.finditer(text)] == [m.span() for m in with_lookahead.finditer(text)]


def test_literal_first_patterns_open_with_a_literal() -> None:
    """What `literal_first` promises: every branch of the pattern opens with a literal
    character (the condition for the regex engine's own first-character scan)."""
    from re import _constants as c
    from re import _parser

    from pipeline.extract.filters import _MASKED

    for masked in _MASKED:
        if masked.literal_first:
            (op, av), *_ = _parser.parse(masked.pattern)
            branches = av[1] if op is c.BRANCH else [[(op, av)]]
            assert all(branch[0][0] is c.LITERAL for branch in branches), masked.pattern[:60]


def test_masked_patterns_declare_their_first_characters() -> None:
    """Each masked pattern is tried only at its declared first characters: they must hold
    every character (of those the full mask regex ever starts at) a match can start with."""
    from pipeline.extract.filters import _MASKED

    universe = "".join({c for masked in _MASKED for c in masked.first_chars})
    for masked in _MASKED:
        starts, can_be_empty = first_chars(masked.pattern, universe)
        assert not can_be_empty, masked.pattern
        assert starts & set(universe) <= set(masked.first_chars), (sorted(starts - set(masked.first_chars)),
                                                                   masked.pattern[:60])


@pytest.mark.parametrize("name", ["PREFIX_RE", "POST_RE", "UNIT_RE", "DENOMINATOR_RE"])
def test_word_alternations_are_tried_at_their_first_characters(name: str) -> None:
    """Each word alternation is tried only where the text has one of its words' first
    characters: those must hold every character a match can start with."""
    from pipeline.extract import figures

    allowed, starts, can_be_empty = gate_and_starts(getattr(figures, name))
    assert not can_be_empty
    assert starts <= allowed, sorted(starts - allowed)


_GUARD_ALPHABET = [*_CUE_ALPHABET, "５", "٣", "约", "近", "超过", "不到", "大约", "中国", "全省", "全国", "第", "前",
                   "首位", "￥", "US$", "美元", "新台币", "负", "零下", "−", "数百", "上千", "几", "点", "亿元", "%", "成",
                   "市内", "市场", "将近", "将要", "人民币", "人口", "全市", "同类", "同比", "不足", "不断", "HK$", "H",
                   "负责", "数据", "上下", "数十", "上万", "负5"]


def _assert_speed_lookaheads_change_no_match(text: str) -> None:
    import re

    from pipeline.extract.figures import _FIGURE_RE, _START_CHARS, _figure_pattern
    from pipeline.extract.patterns import tried_only_at

    # a figure starts only with one of _START_CHARS (a full-width ５ starts none): the plain
    # regex says it with a lookahead, the scanned one with its opening class
    plain = re.compile(tried_only_at("".join(_START_CHARS), _figure_pattern(guarded=False)))
    for pos in range(len(text) + 1):
        a, b = plain.search(text, pos), _FIGURE_RE.search(text, pos)
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            figure = b.groupdict()
            del figure["figure"]  # the match as a whole (scanned_from_first_chars)
            assert (a.span(), a.groupdict()) == (b.span("figure"), figure)
            assert b.start() == a.start()


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_GUARD_ALPHABET), max_size=25).map("".join))
def test_speed_lookaheads_change_no_match(text: str) -> None:
    """The first characters, the lookaheads on what an amount starts with and the cue gates
    of the ratio and fraction branches only skip places where those cannot match, from every
    position the scan may resume at."""
    _assert_speed_lookaheads_change_no_match(text)


# numerals of every script and the ratio / fraction cues, densely: the gates' own cases
_GATE_ALPHABET = [*"0123456789.,．:：点数上几十百千万亿两兩三一〇", "分之", "成", "%", "元", "1:", "三分之"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_GATE_ALPHABET), max_size=12).map("".join))
def test_cue_gates_change_no_match(text: str) -> None:
    _assert_speed_lookaheads_change_no_match(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*_GUARD_ALPHABET, "１", "亿", "兩", "點", "点", ",", ".", "．"]), max_size=12)
       .map("".join))
def test_numeral_chars_hold_every_numeral(text: str) -> None:
    """The fraction gate reads over NUMERAL_CHARS: every match of NUMERAL is made of them."""
    import re

    from pipeline.extract.numbers import NUMERAL, NUMERAL_CHARS

    chars = re.compile(rf"[\d{NUMERAL_CHARS}]*")
    for pos in range(len(text)):
        m = re.compile(NUMERAL).match(text, pos)
        if m is not None:
            assert chars.fullmatch(m.group()), m.group()


@pytest.mark.parametrize(("written", "rewritten"), [
    ("(a)?b", "(?:(a)|)b"),
    ("(?:(a)(b)?)?c", "(?:(?:(a)(?:(b)|))|)c"),  # nested
    ("((a)?)?", "(?:((?:(a)|))|)"),
    ("[)(]?(x)?", "[)(]?(?:(x)|)"),  # parentheses in a class are characters
    ("[]a]?(c)?", "[]a]?(?:(c)|)"),
    (r"[\])]?(g)?", r"[\])]?(?:(g)|)"),
    (r"\(?(y)??", r"\(?(y)??"),  # a lazy ? is left alone, as is an escaped parenthesis
    ("(a)?+", "(a)?+"),  # possessive
    ("(?=a)?(?<!b)?(b)+", "(?=a)?(?<!b)?(b)+"),  # lookarounds; other quantifiers
    ("(?(q)d?|e)(f)?", "(?(q)d?|e)(?:(f)|)"),
])
def test_optionals_as_branches(written: str, rewritten: str) -> None:
    import re

    from pipeline.extract.patterns import optionals_as_branches

    assert optionals_as_branches(written) == rewritten
    re.compile(rewritten.replace("(?(q)", "(?P<q>q)(?(q)"))


@pytest.mark.parametrize(("text", "start", "end", "expected"), [
    ("请拨打13812345678咨询", 3, 14, True),  # the mobile number itself
    ("请拨打13812345678咨询", 0, 3, False),  # ends where the number starts
    ("请拨打13812345678咨询", 14, 16, False),  # starts where it ends
    ("请拨打13812345678咨询", 10, 12, True),  # inside it
    ("请拨打13812345678咨询", 13, 15, True),  # across its end
    ("投资5亿元", 2, 5, False),  # nothing masked
    ("访问www.a.com或拨打13812345678", 2, 5, True),
    ("访问www.a.com或拨打13812345678", 11, 14, False),  # between two masked spans
    ("访问www.a.com或拨打13812345678", 17, 20, True),  # the second span
])
def test_masks_overlaps(text: str, start: int, end: int, expected: bool) -> None:
    from pipeline.extract.filters import masked_spans

    assert masked_spans(text).overlaps(start, end) is expected


@given(st.lists(st.sampled_from(_MASK_ALPHABET), max_size=12).map("".join), st.integers(0, 30), st.integers(1, 8))
def test_masks_overlaps_any_masked_span(text: str, start: int, length: int) -> None:
    """overlaps(start, end) says whether [start, end) shares a character with a span the mask regex finds."""
    from pipeline.extract.filters import _mask_regex_for, masked_spans

    end = start + length
    spans = [m.span() for m in _mask_regex_for(text).finditer(text)]
    assert masked_spans(text).overlaps(start, end) is any(s < end and e > start for s, e in spans)
