"""Unit tests of the date grammar: find_dates offsets/values, resolve_relative_date, properties."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from regex_starts import first_chars

from pipeline.extract.dates import Anchor, DateParts, find_dates, resolve_relative_date

PUB = date(2024, 6, 5)  # a Wednesday, seed-000's masthead
NEW_YEAR = date(2024, 1, 3)


def _dates(text: str, published: date | None = PUB) -> list[tuple[int, int, str, str | None, str | None]]:
    return [(f.start, f.end, f.surface, f.date, f.date_end) for f in find_dates(text, published)]


# (text, published, expected [(start, end, surface, date, date_end)])
FIND_CASES = [
    ("于2023年12月28日出台", PUB, [(1, 12, "2023年12月28日", "2023-12-28", None)]),
    ("成立于2010-01-29。", PUB, [(3, 13, "2010-01-29", "2010-01-29", None)]),
    ("2010.01.29", None, [(0, 10, "2010.01.29", "2010-01-29", None)]),
    ("2010/1/29", None, [(0, 9, "2010/1/29", "2010-01-29", None)]),
    ("二〇二四年", None, [(0, 5, "二〇二四年", "2024", None)]),
    ("2024年6月", None, [(0, 7, "2024年6月", "2024-06", None)]),
    ("(记者 王海玲)6月4日,我市召开", PUB, [(8, 12, "6月4日", "2024-06-04", None)]),
    ("12月30日", NEW_YEAR, [(0, 6, "12月30日", "2023-12-30", None)]),
    ("1月3日", NEW_YEAR, [(0, 4, "1月3日", "2024-01-03", None)]),
    ("1月4日", NEW_YEAR, [(0, 4, "1月4日", "2023-01-04", None)]),
    ("4月份", date(2022, 5, 24), [(0, 3, "4月份", "2022-04", None)]),
    ("5月23日凌晨,货车", date(2022, 5, 24), [(0, 5, "5月23日", "2022-05-23", None)]),
    ("截至5月18日,", date(2022, 5, 24), [(2, 7, "5月18日", "2022-05-18", None)]),
    ("12日凌晨", PUB, [(0, 3, "12日", "2024-05-12", None)]),
    ("31日上午", PUB, [(0, 3, "31日", "2024-05-31", None)]),
    ("31日上午", date(2024, 5, 5), [(0, 3, "31日", "2024-03-31", None)]),  # April has no 31st
    ("新华社北京4日电", PUB, [(5, 7, "4日", "2024-06-04", None)]),
    ("记者3日从市发改委获悉", PUB, [(2, 4, "3日", "2024-06-03", None)]),
    ("一季度", PUB, [(0, 3, "一季度", "2024-Q1", None)]),
    ("还实现第一季度开门红", PUB, [(3, 7, "第一季度", "2024-Q1", None)]),
    ("今年一季度,", PUB, [(0, 5, "今年一季度", "2024-Q1", None)]),
    ("上半年", PUB, [(0, 3, "上半年", "2024-H1", None)]),
    ("下半年", PUB, [(0, 3, "下半年", "2024-H2", None)]),
    ("今年前4个月营业收入", date(2022, 5, 24), [(0, 6, "今年前4个月", "2022-01", "2022-04")]),
    ("前三季度", PUB, [(0, 4, "前三季度", "2024-Q1", "2024-Q3")]),
    ("1-5月", PUB, [(0, 4, "1-5月", "2024-01", "2024-05")]),
    ("到年底", PUB, [(1, 3, "年底", "2024-12", None)]),
    ("年初以来", PUB, [(0, 4, "年初以来", "2024-01", None)]),
    ("2021年年底,", PUB, [(0, 7, "2021年年底", "2021-12", None)]),
    ("2021年底", PUB, [(0, 6, "2021年底", "2021-12", None)]),
    ("2021年11月至2022年3月", PUB, [(0, 16, "2021年11月至2022年3月", "2021-11", "2022-03")]),
    ("5月1日至3日", PUB, [(0, 7, "5月1日至3日", "2024-05-01", "2024-05-03")]),
    ("5月1-3日", PUB, [(0, 6, "5月1-3日", "2024-05-01", "2024-05-03")]),
    ("2023年12月至1月", PUB, [(0, 11, "2023年12月至1月", "2023-12", "2024-01")]),
    ("2021-2023年", PUB, [(0, 10, "2021-2023年", "2021", "2023")]),
    ("今年", PUB, [(0, 2, "今年", "2024", None)]),
    ("去年", PUB, [(0, 2, "去年", "2023", None)]),
    ("明年", PUB, [(0, 2, "明年", "2025", None)]),
    ("前年", PUB, [(0, 2, "前年", "2022", None)]),
    ("本月", PUB, [(0, 2, "本月", "2024-06", None)]),
    ("上月", NEW_YEAR, [(0, 2, "上月", "2023-12", None)]),
    ("今年2月", PUB, [(0, 4, "今年2月", "2024-02", None)]),
    ("与去年同期相比", PUB, [(1, 5, "去年同期", "2023", None)]),
    ("较上年度增加", date(2022, 5, 24), [(1, 4, "上年度", "2021", None)]),
    ("2021年年底,较上年度增加", PUB, [(0, 7, "2021年年底", "2021-12", None), (9, 12, "上年度", "2020", None)]),
    ("今年以来,", PUB, [(0, 4, "今年以来", "2024", None)]),
    ("2023年以来,", PUB, [(0, 7, "2023年以来", "2023", None)]),
    ("1951年,志愿军追授,同年命名", PUB, [(0, 5, "1951年", "1951", None), (12, 14, "同年", "1951", None)]),
    ("5月20日上午,21日下午", PUB, [(0, 5, "5月20日", "2024-05-20", None), (8, 11, "21日", "2024-05-21", None)]),
    ("2022年10月,12月", PUB, [(0, 8, "2022年10月", "2022-10", None), (9, 12, "12月", "2022-12", None)]),
    ("农历甲辰年四月二十九", PUB, [(0, 10, "农历甲辰年四月二十九", None, None)]),
    ("今年初步统计", PUB, [(0, 2, "今年", "2024", None)]),
    # no publication date: relative and partial dates are facts with a null date
    ("6月4日", None, [(0, 4, "6月4日", None, None)]),
    ("今年以来", None, [(0, 4, "今年以来", None, None)]),
    ("上半年", None, [(0, 3, "上半年", None, None)]),
    ("2023年", None, [(0, 5, "2023年", "2023", None)]),
]


@pytest.mark.parametrize(("text", "published", "expected"), FIND_CASES, ids=[c[0] for c in FIND_CASES])
def test_find_dates(text: str, published: date | None, expected: list) -> None:
    assert _dates(text, published) == expected


NOT_DATES = [
    "星期三", "周三", "近年来", "近日", "日前", "目前", "截至目前", "当前", "近期", "前不久",
    "当天", "每天", "全年", "今天", "昨天", "70多年后的今天", "那年", "同年命名该连", "当年的老战士",
    # durations are figures.py's
    "近5年来", "近3年来", "3个月", "5年", "两三个小时", "15日内办结", "7日后", "一个季度",
    # recurring, not one date
    "每年年底", "每年上半年", "每月15日上午",
    # other words that merely contain date characters
    "十年前年轻人", "5%以上年均增长", "三年初见成效", "一年中", "十月怀胎", "3·15", "2月30日",
    "4月31日", "第一条生产线", "总第13324期", "CN 41-0006", "12号楼", "1000年的历史",
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_dates(text: str) -> None:
    assert find_dates(text, PUB) == []


def test_figure_fields() -> None:
    (fig,) = find_dates("今年前4个月", date(2022, 5, 24))
    assert fig.kind == "date" and fig.unit == "date" and fig.value is None and fig.qualifier == "exact"
    assert fig.measure is None and fig.subject is None


# (parts, published, anchor, expected (date, date_end))
RESOLVE_CASES = [
    (DateParts(year=2023, month=12, day=28), None, None, ("2023-12-28", None)),
    (DateParts(year=2023), None, None, ("2023", None)),
    (DateParts(year_offset=0), PUB, None, ("2024", None)),
    (DateParts(year_offset=-1), PUB, None, ("2023", None)),
    (DateParts(year_offset=-2), PUB, None, ("2022", None)),
    (DateParts(year_offset=1), PUB, None, ("2025", None)),
    (DateParts(year_offset=0), None, None, (None, None)),
    # deictic 去年 ignores the sentence's year; anchored 上年 uses it
    (DateParts(year_offset=-1), PUB, Anchor(2021), ("2023", None)),
    (DateParts(year_offset=-1, anchored=True), PUB, Anchor(2021), ("2020", None)),
    (DateParts(year_offset=-1, anchored=True), PUB, None, ("2023", None)),
    (DateParts(year_offset=0, anchored=True, needs_anchor=True), PUB, None, (None, None)),
    (DateParts(year_offset=1, anchored=True, needs_anchor=True), PUB, Anchor(1950), ("1951", None)),
    (DateParts(month_offset=0), PUB, None, ("2024-06", None)),
    (DateParts(month_offset=-1), NEW_YEAR, None, ("2023-12", None)),
    (DateParts(month_offset=1), date(2024, 12, 10), None, ("2025-01", None)),
    (DateParts(month=6, day=4), PUB, None, ("2024-06-04", None)),
    (DateParts(month=6, day=5), PUB, None, ("2024-06-05", None)),
    (DateParts(month=6, day=6), PUB, None, ("2023-06-06", None)),
    (DateParts(month=12, day=30), NEW_YEAR, None, ("2023-12-30", None)),
    (DateParts(month=12), PUB, None, ("2023-12", None)),
    (DateParts(month=6), PUB, None, ("2024-06", None)),
    (DateParts(month=12), PUB, Anchor(2022, 10), ("2022-12", None)),
    (DateParts(day=12), PUB, None, ("2024-05-12", None)),
    (DateParts(day=5), PUB, None, ("2024-06-05", None)),
    (DateParts(day=31), date(2024, 3, 1), None, ("2024-01-31", None)),  # February has no 31st
    (DateParts(day=21), PUB, Anchor(2024, 5), ("2024-05-21", None)),
    (DateParts(month=2, day=29), date(2023, 6, 1), None, (None, None)),  # 2023-02-29 does not exist
    (DateParts(quarter_span=(1, 1)), PUB, None, ("2024-Q1", None)),
    (DateParts(year_offset=-1, quarter_span=(4, 4)), PUB, None, ("2023-Q4", None)),
    (DateParts(quarter_span=(1, 3)), PUB, None, ("2024-Q1", "2024-Q3")),
    (DateParts(half=2), PUB, None, ("2024-H2", None)),
    (DateParts(month_span=(1, 4)), date(2022, 5, 24), None, ("2022-01", "2022-04")),
    (DateParts(year=2021, month_span=(12, 12)), PUB, None, ("2021-12", None)),
    (DateParts(month_span=(12, 12)), PUB, None, ("2024-12", None)),
    (DateParts(year_offset=0, since=True), PUB, None, ("2024", None)),
    (DateParts(month_span=(1, 1), since=True), PUB, None, ("2024-01", None)),
    (DateParts(quarter_span=(1, 1)), None, None, (None, None)),
]


@pytest.mark.parametrize(("parts", "published", "anchor", "expected"), RESOLVE_CASES)
def test_resolve_relative_date(parts: DateParts, published: date | None, anchor: Anchor | None,
                               expected: tuple[str | None, str | None]) -> None:
    assert resolve_relative_date(parts, published, anchor) == expected


# --- properties -------------------------------------------------------------

_DATE_CHARS = "年月日号季度上下半前今去明本同次初底末中旬以来至到期份第个每农甲辰"
_text = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(_DATE_CHARS + "0123456789〇零一二两三四五六七八九十-./~—,，。 凌晨")),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
)


@settings(max_examples=400, deadline=None)
@given(text=_text, published=st.one_of(st.none(), st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31))))
def test_never_raises_and_surfaces_match(text: str, published: date | None) -> None:
    for fig in find_dates(text, published):
        assert text[fig.start : fig.end] == fig.surface
        assert fig.end > fig.start
        assert fig.kind == "date" and fig.value is None


@settings(max_examples=300, deadline=None)
@given(day=st.dates(min_value=date(1800, 1, 1), max_value=date(2199, 12, 31)),
       published=st.one_of(st.none(), st.dates()))
def test_full_date_round_trips(day: date, published: date | None) -> None:
    text = f"于{day.year}年{day.month}月{day.day}日召开"
    (fig,) = find_dates(text, published)
    assert fig.date == day.isoformat() and fig.date_end is None
    assert fig.surface == f"{day.year}年{day.month}月{day.day}日"


def test_atom_branches_declare_their_first_characters() -> None:
    """Each branch of the atom regex is tried only at its declared first characters: they
    must hold every character a match of the branch can start with."""
    from pipeline.extract.dates import _vocab

    for declared, branch in _vocab().branches:
        starts, can_be_empty = first_chars(branch)
        assert not can_be_empty, branch
        assert starts <= set(declared), (sorted(starts - set(declared)), branch[:60])


_DIGIT_GUARD_CASES = ["2023年12月28日", "12023年", "2021-2023年", "2010-01-29", "10.5月", "1.2季度", "123季度",
                      "第12季度", "1-5月份", "共12日", "2024年1至3月", "5月1-3日", "9999年", "3号至5号", "2021—2023年",
                      "1～3季度", "2010/1/29", "5.5亿元", "12%", "2023年度", "12月", "05月", "005月", "1至4月份"]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.sampled_from(_DIGIT_GUARD_CASES + [case[0] for case in FIND_CASES]),
                 st.text(alphabet="0123456789.-/年月日号號季度第前上下半至到~～—一二三十份底亿元%", max_size=14)))
def test_digit_gate_drops_no_match(text: str) -> None:
    """The atom regex tries its branches at an Arabic digit only where a run of digits
    starts and is followed by a date mark: the same matches as with the branches deciding alone."""
    import re

    from pipeline.extract.dates import _vocab

    v = _vocab()
    assert v.digit_gate in v.pattern
    fast, full = re.compile(v.pattern), re.compile(v.pattern.replace(v.digit_gate, "", 1))
    assert [(m.span(), m.groupdict()) for m in fast.finditer(text)] == \
        [(m.span(), m.groupdict()) for m in full.finditer(text)]


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.sampled_from([case[0] for case in FIND_CASES]),
                 st.text(alphabet="0123456789.-/年月日号號季度第前上下半至到一二三十份底初中今去明本同次以来农历甲辰正",
                         max_size=16)))
def test_atom_regex_with_optionals_as_branches_matches_as_written(text: str) -> None:
    """The atom regex is compiled with its optional groups rewritten as alternations (for
    speed): it finds what the regex as written finds, with the same groups."""
    import re

    from pipeline.extract.dates import _vocab

    v = _vocab()
    written = re.compile(v.pattern)
    assert [(m.span(), m.groupdict()) for m in v.regex.finditer(text)] == \
        [(m.span(), m.groupdict()) for m in written.finditer(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("", False),
    ("营业收入55亿元", False),
    ("营业收入5.5亿元", True),  # a decimal point looks like an ISO separator: the atom regex decides
    ("同比增长12%", False),
    ("2023年", True),
    ("3月", True),
    ("12日", True),
    ("3号", True),
    ("一季度", True),
    ("2010-01-29", True),
    ("2010.01.29", True),
    ("1/2", True),
    ("a-b", False),
    ("-5", False),
    ("5-", False),
    ("5.", False),
])
def test_may_hold_date(text: str, expected: bool) -> None:
    from pipeline.extract.dates import _may_hold_date

    assert _may_hold_date(text) is expected


@given(st.text(alphabet="0123456789.-/年月日号號季度元亿a ", max_size=12))
def test_may_hold_date_is_the_date_character_test(text: str) -> None:
    """The pre-check says what one regex over the characters every atom needs says."""
    import re

    from pipeline.extract.dates import _may_hold_date

    assert _may_hold_date(text) is (re.search(r"[年月日号號季]|[0-9][-./][0-9]", text) is not None)
