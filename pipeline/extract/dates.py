"""Date figures: absolute, partial and relative dates and periods, resolved to ISO.

``find_dates(text, published)`` finds every date expression in one sentence of
normalised text and returns ``Figure(kind="date")`` records whose ``date`` /
``date_end`` use FORMAT.md's ISO forms (``2023-12-28``, ``2023-12``, ``2023``,
``2024-Q1``, ``2024-H1``).

How it works, in two passes that never loop over characters in Python:

1. One compiled regex finds date *atoms*: a year (``2023年``, ``二〇二四年``,
   ``今年``, ``上年度``, ``2021年底``), a month with its day (``6月4日``, ``4月份``,
   ``5月1-3日``, ``5月底``), a period (``一季度``, ``上半年``, ``前4个月``, ``1-5月``,
   ``年底``), a month word (``本月``), a bare day (``12日``), an ISO-like date
   (``2010-01-29``) or a lunar date.
2. A short walk over the atoms (a handful per sentence) glues touching atoms into one
   expression (``今年`` + ``前4个月``), joins two expressions around a range connector
   (``2021年11月`` 至 ``2022年3月``), takes the suffixes 以来 / 同期 into the surface,
   and resolves each expression with :func:`resolve_relative_date`.

Resolution rules (the annotators' decisions in SEEDS_NOTES.md "Dates"):

- Deictic words count from the publication year / month: 今年, 去年, 明年, 本月, 上月.
- 上年 / 上年度 / 同年 / 次年 count from the year the sentence is already talking about
  (``2021年年底…较上年度`` -> 2020); 上年 falls back to the publication year, 同年 and
  次年 are skipped without such a year (unresolvable anaphora).
- A month or day without a year takes the year (and month) of a date earlier in the same
  sentence (``2022年10月…，12月…``, ``5月1日至3日``); failing that, it is the most recent
  such month / day on or before publication (published 2024-01-03: ``12月30日`` ->
  2023-12-30).
- Periods without a year (``一季度``, ``上半年``, ``前4个月``, ``1-5月``, ``年底``) are
  periods of the publication year.
- Without a publication date, what cannot be resolved gets ``date=None``: it is still a
  date fact, never a guess.

Surface conventions: prepositions stay outside (``截至5月18日`` -> ``5月18日``);
time-of-day words stay outside (``5月23日凌晨`` -> ``5月23日``, as the seed gold has
it); 以来 and 同期 are inside (``今年以来``, ``去年同期``); ``X以来`` keeps
``date_end`` null. Lunar dates (``农历甲辰年四月二十九``) are date facts with
``date=None``: converting them needs a lunar calendar we do not carry.

Not dates here: weekdays, vague deictic words (近日, 目前, 当天, 全年 ...), day-level
deixis (今天, 昨天), and durations (``近5年来``, ``3个月``, ``5年``: figures.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date
from functools import cache
from typing import NamedTuple

from pipeline.extract.figure_record import date_figure
from pipeline.extract.patterns import groups_getter, optionals_as_branches, tried_only_at
from pipeline.resources import load_toml
from schemas.records import Figure

__all__ = ["Anchor", "DateParts", "find_dates", "resolve_relative_date"]


# ---------------------------------------------------------------------------
# What an expression says, and how it resolves
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DateParts:
    """The content of one date expression, before resolution.

    At most one of ``year`` / ``year_offset`` / ``month_offset`` is set; with none of
    them the expression has no year of its own (``6月4日``, ``一季度``).
    """

    year: int | None = None  # written year: 2023年
    year_offset: int | None = None  # year word: 今年 0, 去年 -1, 上年 -1
    anchored: bool = False  # the offset counts from the sentence's year (上年, 同年)
    needs_anchor: bool = False  # ... and without one it is not resolvable (同年, 次年)
    month_offset: int | None = None  # month word: 本月 0, 上月 -1
    month: int | None = None
    day: int | None = None
    month_span: tuple[int, int] | None = None  # period inside a year: 前4个月, 1-5月, 年底
    quarter_span: tuple[int, int] | None = None  # 一季度 (1, 1), 前三季度 (1, 3)
    half: int | None = None  # 上半年 1, 下半年 2
    since: bool = False  # X以来: only the start is recorded

    @property
    def is_period(self) -> bool:
        """A named part of a year (quarter, half, month span) rather than a calendar point."""
        return self.month_span is not None or self.quarter_span is not None or self.half is not None

    @property
    def has_own_year(self) -> bool:
        return self.year is not None or self.year_offset is not None or self.month_offset is not None


class Anchor(NamedTuple):
    """The year (and month) a sentence is talking about, from an earlier date in it."""

    year: int
    month: int | None = None


def _shift_month(year: int, month: int, offset: int) -> tuple[int, int]:
    total = year * 12 + (month - 1) + offset
    return total // 12, total % 12 + 1


def _valid_day(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _most_recent_day(day: int, published: date) -> tuple[int, int] | None:
    """(year, month) of the latest day-of-month ``day`` on or before ``published``."""
    year, month = published.year, published.month
    if day > published.day:
        year, month = _shift_month(year, month, -1)
    for _ in range(12):  # 31 is missing from some months: step back until it exists
        if _valid_day(year, month, day):
            return year, month
        year, month = _shift_month(year, month, -1)
    return None


def _year_and_month(
    parts: DateParts, published: date | None, anchor: Anchor | None
) -> tuple[int, int | None] | None:
    """The concrete year, and the month when the parts name only a day."""
    if parts.year is not None:
        return parts.year, parts.month
    if parts.year_offset is not None:
        if parts.anchored and anchor is not None:
            return anchor.year + parts.year_offset, parts.month
        if parts.needs_anchor or published is None:
            return None
        return published.year + parts.year_offset, parts.month
    if parts.month_offset is not None:
        if published is None:
            return None
        return _shift_month(published.year, published.month, parts.month_offset)
    # No year of its own: the sentence's year, else the publication date.
    if anchor is not None:
        if parts.month is not None or parts.is_period:
            return anchor.year, parts.month
        if anchor.month is not None:  # a bare day: the month too
            return anchor.year, anchor.month
    if published is None:
        return None
    if parts.is_period:
        return published.year, None
    if parts.month is not None:
        # the most recent such month/day on or before publication
        if (parts.month, parts.day or 1) <= (published.month, published.day):
            return published.year, parts.month
        return published.year - 1, parts.month
    if parts.day is not None:
        return _most_recent_day(parts.day, published)
    return published.year, None


def resolve_relative_date(
    parts: DateParts, published: date | None = None, anchor: Anchor | None = None
) -> tuple[str | None, str | None]:
    """ISO ``(date, date_end)`` for an expression; ``(None, None)`` when unresolvable.

    ``published`` is the publication date deictic words count from; ``anchor`` the year
    (and month) an earlier date in the same sentence set. Raises nothing: an impossible
    calendar date (2月30日) also gives ``(None, None)``.
    """
    ym = _year_and_month(parts, published, anchor)
    if ym is None:
        return None, None
    year, month = ym
    if not 1 <= year <= 9999:
        return None, None
    start: str
    end: str | None = None
    if parts.month_span is not None:
        first, last = parts.month_span
        start = f"{year:04d}-{first:02d}"
        end = f"{year:04d}-{last:02d}" if last != first else None
    elif parts.quarter_span is not None:
        first, last = parts.quarter_span
        start = f"{year:04d}-Q{first}"
        end = f"{year:04d}-Q{last}" if last != first else None
    elif parts.half is not None:
        start = f"{year:04d}-H{parts.half}"
    elif month is not None and parts.day is not None:
        if not _valid_day(year, month, parts.day):
            return None, None
        start = f"{year:04d}-{month:02d}-{parts.day:02d}"
    elif month is not None:
        start = f"{year:04d}-{month:02d}"
    else:
        start = f"{year:04d}"
    if parts.since:
        end = None
    return start, end


# ---------------------------------------------------------------------------
# Numerals (only what dates need: years digit by digit, months and days 1-31)
# ---------------------------------------------------------------------------

_CN_DIGIT = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "兩": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}


# Longest possible month (February may have 29 days; the year decides later)
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _small_number(s: str) -> int:
    """1-31 written in Arabic or Chinese (十二, 二十九, 三十一)."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, units = s.partition("十")
        return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[units] if units else 0)
    return _CN_DIGIT[s]


def _cn_year(s: str) -> int:
    """二〇二四 -> 2024 (years are read digit by digit)."""
    return int("".join(str(_CN_DIGIT[c]) for c in s))


# ---------------------------------------------------------------------------
# The atom regex, built once from data/dates.toml
# ---------------------------------------------------------------------------

_NUM_MONTH = r"1[0-2]|0?[1-9]"
_CN_MONTH = r"十[一二]?|[一二三四五六七八九]"
_NUM_DAY = r"3[01]|[12][0-9]|0?[1-9]"
_CN_DAY = r"三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九]"
_CN_NUMERAL_CHARS = "〇零○一二两三四五六七八九十百千万亿几"
_YEAR_NUM = r"(?:1[89]|2[01])[0-9]{2}"  # 1800-2199: older 4-digit numbers + 年 are too often durations


def _alt(words: list[str] | tuple[str, ...]) -> str:
    """Regex alternation of literal words, longest first (alternation takes the first hit)."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _guarded(word: str, not_after: str = "", not_before: str = "") -> str:
    pat = re.escape(word)
    if not_after:
        pat = f"(?<![{re.escape(not_after)}])" + pat
    if not_before:
        pat += f"(?![{re.escape(not_before)}])"
    return pat


def _digit_gate(connectors: list[str]) -> str:
    """Where a branch starting at an Arabic digit can match: what every such branch needs.

    Each refuses a digit right after another (their lookbehinds say so: 2023 is one year,
    not 023), and each reads a whole run of digits, then needs a mark after it: four digits
    then 年, an ISO separator or a range connector (2023年, 2010-01-29, 2021-2023年); one or
    two then 月, 日/号, 季 or a connector (6月, 12日, 3季度, 1-5月). A figure-dense sentence
    is mostly numbers that are none of these (5.5亿元, 12%): the scan rejects each at this
    one test instead of trying every branch that starts with a digit. Places that are not
    digits pass."""
    after_connector = re.escape("".join(sorted({c[0] for c in connectors})))
    return (rf"(?:(?![0-9])|(?<![0-9])(?=[0-9]{{4}}[年\-./{after_connector}]"
            rf"|[0-9]{{1,2}}[月日号號季{after_connector}]))")


@dataclass(frozen=True)
class _Vocab:
    regex: re.Pattern[str]
    pattern: str  # the regex as written: `regex` compiles it with optionals_as_branches
    branches: tuple[tuple[str, str], ...]  # (first characters, regex) of each branch of `regex`
    digit_gate: str  # in `pattern` before the branches: see _digit_gate
    year_words: dict[str, dict]
    month_words: dict[str, int]
    edges: dict[str, int]
    halves: dict[str, int]
    since: tuple[str, ...]
    same_period: tuple[str, ...]
    connectors: frozenset[str]
    bare_day_after: tuple[str, ...]
    day_followers: tuple[str, ...]  # time-of-day words + dateline 电: what marks a bare day
    bare_day_not_before: tuple[str, ...]
    distributive: tuple[str, ...]


@cache
def _vocab() -> _Vocab:
    data = load_toml("dates.toml")
    year_words: dict[str, dict] = data["year_words"]
    edges_data: dict[str, dict] = data["year_edges"]
    edge_guards: dict[str, str] = data.get("edge_guards", {})
    connectors: list[str] = data["ranges"]["connectors"]
    conn = _alt(connectors)

    def edge_pat(words: list[str]) -> str:
        return "|".join(_guarded(w, not_before=edge_guards.get(w[-1], "") if w.endswith("初") else "")
                        for w in sorted(words, key=len, reverse=True))

    glued_edges = edge_pat(list(edges_data))  # after a year: 年底, 底, 年中 ...
    standalone_edges = edge_pat([w for w, e in edges_data.items() if e.get("standalone")])
    month_parts = "|".join(
        _guarded(w, not_before=edge_guards.get("初", "") if w == "初" else "")
        for w in sorted(data["month_parts"]["words"], key=len, reverse=True)
    )
    year_word_pat = "|".join(
        _guarded(w, spec.get("not_after", ""), spec.get("not_before", ""))
        for w, spec in sorted(year_words.items(), key=lambda kv: -len(kv[0]))
    )
    month_word_pat = "|".join(
        _guarded(w, not_after="以" if w[0] in "上下" else "")
        for w in sorted(data["month_words"], key=len, reverse=True)
    )
    not_numeral = f"(?<![0-9.{_CN_NUMERAL_CHARS}])"
    month_any = f"{_NUM_MONTH}|{_CN_MONTH}"
    day_any = f"{_NUM_DAY}|{_CN_DAY}"
    quarter_num = "[一二三四]|[1-4]"
    # the first characters of each branch (a superset is fine: the branch itself decides)
    arabic = "0123456789"
    chinese_numeral = "〇零○一二两兩三四五六七八九十"
    lunar_starts = "农農甲乙丙丁戊己庚辛壬癸"

    def first_chars_of(words: Iterable[str]) -> str:
        return "".join(w[0] for w in words)

    branches: list[tuple[str, str]] = [
        # 2010-01-29, 2010.01.29, 2010/1/29: one separator used twice
        (arabic, (rf"(?<![0-9.])(?P<iso_y>{_YEAR_NUM})(?P<iso_sep>[-./])(?P<iso_m>{_NUM_MONTH})(?P=iso_sep)"
                  rf"(?P<iso_d>{_NUM_DAY})(?![0-9])")),
        # 2021-2023年: two years sharing 年
        (arabic, rf"(?<![0-9.])(?P<yr1>{_YEAR_NUM})(?:{conn})(?P<yr2>{_YEAR_NUM})年"),
        # 农历甲辰年四月二十九 / 农历正月十五: consumed whole so its month is not read as Gregorian
        (lunar_starts, (
            r"(?P<lunar>(?:农历|農曆)?[甲乙丙丁戊己庚辛壬癸][子丑寅卯辰巳午未申酉戌亥]年"
            r"(?:闰?(?:正|冬|腊|十[一二]?|[一二三四五六七八九])月(?:初[一二三四五六七八九十]|廿[一二三四五六七八九]|"
            r"[二三]十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])?)?"
            r"|(?:农历|農曆)[闰閏]?(?:正|冬|腊|十[一二]?|[一二三四五六七八九])月(?:初[一二三四五六七八九十]|廿[一二三四五六七八九]|"
            r"[二三]十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])?)"
        )),
        # 2023年, 二〇二四年, 2023年度, 2021年底, 2021年年底
        (arabic + chinese_numeral, (
            rf"(?:(?<![0-9.])(?P<y>{_YEAR_NUM})|{not_numeral}(?P<ycn>[〇零○一二三四五六七八九]{{4}}))年(?!来)"
            rf"(?P<y_du>度)?(?P<y_edge>{glued_edges})?"
        )),
        # 今年, 去年, 上年度, 今年底, 去年年底
        (first_chars_of(year_words), rf"(?P<yw>{year_word_pat})(?P<yw_du>度)?(?P<yw_edge>{glued_edges})?"),
        # 1-5月, 1至4月份, 一至五月: a month span sharing 月
        (arabic + chinese_numeral, rf"(?<![0-9.\-/])(?P<mr1>{month_any})(?:{conn})(?P<mr2>{month_any})月份?"),
        # 6月4日, 4月份, 5月1-3日, 5月底, 十二月二十日
        (arabic + chinese_numeral, (
            rf"(?:(?<![0-9.\-/])(?P<m>{_NUM_MONTH})|(?<![{_CN_NUMERAL_CHARS}第每个個])(?P<mcn>{_CN_MONTH}))月"
            rf"(?P<m_fen>份)?(?:(?P<d>{day_any})(?:(?:{conn})(?P<d2>{day_any}))?[日号號])?(?P<m_part>{month_parts})?"
        )),
        # 本月, 上月, 上个月底
        (first_chars_of(data["month_words"]), rf"(?P<mw>{month_word_pat})(?P<mw_part>{month_parts})?"),
        # 一季度, 第一季度, 第1季度; 前三季度; 一至三季度; 第三季 (Taiwan / Hong Kong usage:
        # 度 may be dropped only after 第, since a bare 三季 is 三季稻 / 四季)
        ("第" + arabic + chinese_numeral,
         rf"(?<![每逐各个0-9{_CN_NUMERAL_CHARS}])(?P<q_di>第)?(?P<q>{quarter_num})季(?(q_di)度?|度)"),
        (arabic + chinese_numeral,
         rf"(?<![每逐各0-9{_CN_NUMERAL_CHARS}])(?P<qr1>{quarter_num})(?:{conn})(?P<qr2>{quarter_num})季度"),
        ("前", r"(?<![目提此之以空事当面眼跟向往生午天周])前(?P<fq>[一二两三]|[1-3])[个個]?季度"),
        # 上半年, 下半年 (not 以上半年: 以上 + 半年)
        (first_chars_of(data["halves"]), rf"(?<!以)(?P<half>{_alt(list(data['halves']))})"),
        # 前4个月, 前两个月: January to month N
        ("前", rf"(?<![目提此之以空事当面眼跟向往生午天周])前(?P<fm>{_NUM_MONTH}|{_CN_MONTH}|两|兩)[个個]?月份?"),
        # 年底, 年初 on their own (not 三年初见成效, 每年年底 is fine: 每年 is not a year)
        (first_chars_of(w for w, e in edges_data.items() if e.get("standalone")),
         rf"(?<![0-9{_CN_NUMERAL_CHARS}多数每全当同那该近新本跨])(?P<edge>{standalone_edges})"),
        # 12日 (licensed later by context), 3号 only as a range end
        (arabic, rf"(?<![0-9.\-/第近每数个约逾余超])(?P<bd>{_NUM_DAY})(?P<bd_mark>[日号號])"),
        (chinese_numeral, rf"(?<![{_CN_NUMERAL_CHARS}第近每数个约逾余超])(?P<bdcn>{_CN_DAY})(?P<bdcn_mark>[日号號])"),
    ]
    # Most branches open with a lookbehind, which the regex engine cannot skip cheaply: a
    # lookahead on each branch's first characters lets it drop the branch in one test.
    pattern = "|".join(tried_only_at(chars, branch) for chars, branch in branches)
    # Every match starts with one of the branches' first characters. Checking that first
    # makes the scan ~10x faster: most positions fail on one character-class test instead
    # of trying every branch.
    digit_gate = _digit_gate(connectors)
    written = tried_only_at("".join(chars for chars, _ in branches), f"{digit_gate}(?:{pattern})")
    return _Vocab(
        regex=re.compile(optionals_as_branches(written)),
        pattern=written,
        branches=tuple(branches),
        digit_gate=digit_gate,
        year_words=year_words,
        month_words=dict(data["month_words"]),
        edges={w: int(e["month"]) for w, e in edges_data.items()},
        halves={w: int(v) for w, v in data["halves"].items()},
        since=tuple(data["suffixes"]["since"]),
        same_period=tuple(data["suffixes"]["same_period"]),
        connectors=frozenset(connectors),
        bare_day_after=tuple(data["bare_day"]["licensed_after"]),
        day_followers=tuple(data["time_of_day"]["words"]) + tuple(data["bare_day"].get("licensed_before", ())),
        bare_day_not_before=tuple(data["bare_day"]["not_before"]),
        distributive=tuple(data["distributive"]["before"]),
    )


# Built at import rather than for the first sentence: `--workers` forks its processes after
# the import, and they then share this one instead of each compiling it (~15 ms).
_vocab()

# Cheap pre-check (_may_hold_date): every date atom holds one of 年月日号號季, or (an ISO
# date) a digit, a separator and a digit.
# Opens with its class, so the engine skips to separators in a tight loop; written as
# [0-9][-./][0-9] it would start a match attempt at every character.
_ISO_SEPARATOR_RE = re.compile(r"[-./](?<=[0-9][-./])[0-9]")


def _may_hold_date(text: str) -> bool:
    """Can ``text`` hold a date atom? False for most sentences without dates, at a few
    substring tests (each a C scan) rather than a regex scan of every character."""
    return ("年" in text or "月" in text or "日" in text or "号" in text or "號" in text or "季" in text
            or _ISO_SEPARATOR_RE.search(text) is not None)
# A clock time right after a day also marks it as a day: 12日10时, 12日0点
_CLOCK = re.compile(r"[0-9零一二三四五六七八九十]{1,3}[时点]")
# Opening punctuation allowed before a sentence-initial bare day
_OPENERS = frozenset(" \t\u3000“\"‘'「『(（【[")


# ---------------------------------------------------------------------------
# Atoms -> expressions
# ---------------------------------------------------------------------------

# Atom kinds: what may glue to what.
_YEAR = "year"  # open year: may take a month / period after it
_CLOSED = "closed"  # complete on its own (ISO, year with edge, lunar, ranges)
_MONTH = "month"
_PERIOD = "period"
_MONTH_WORD = "month_word"
_BARE_DAY = "bare_day"


@dataclass(slots=True)
class _Atom:
    start: int
    end: int
    kind: str
    parts: DateParts
    end_parts: DateParts | None = None  # for atoms that are ranges themselves (2021-2023年)
    loose: bool = False  # a bare day or lone Chinese month: kept only with support
    lunar: bool = False


@cache  # DateParts are frozen: one instance serves every atom that says the same (2023年, 今年, 6月)
def _shared_parts(year: int | None = None, year_offset: int | None = None, anchored: bool = False,
                  needs_anchor: bool = False, month: int | None = None, day: int | None = None) -> DateParts:
    return DateParts(year=year, year_offset=year_offset, anchored=anchored, needs_anchor=needs_anchor,
                     month=month, day=day)


# The groups of an atom match, read from one ``m.groups()``: first the ones that say which
# branch of the atom regex matched, then each branch's own.
_ATOM_RE = _vocab().regex
_BRANCH_GROUPS = groups_getter(_ATOM_RE, "iso_y", "yr1", "lunar", "y", "ycn", "yw", "mr1", "m", "mcn", "mw", "q",
                               "qr1", "fq", "half", "fm", "edge", "bd", "bdcn")
_ISO_MONTH_DAY = groups_getter(_ATOM_RE, "iso_m", "iso_d")
_YEAR_RANGE_END = groups_getter(_ATOM_RE, "yr2")
_YEAR_EDGE = groups_getter(_ATOM_RE, "y_edge")
_YEAR_WORD_EDGE = groups_getter(_ATOM_RE, "yw_edge")
_MONTH_RANGE_END = groups_getter(_ATOM_RE, "mr2")
_DAY_GROUPS = groups_getter(_ATOM_RE, "d", "d2", "m_fen", "m_part")
_QUARTER_RANGE_END = groups_getter(_ATOM_RE, "qr2")


def _atom(m: re.Match[str], v: _Vocab) -> _Atom | None:
    groups = m.groups()
    (iso_y, yr1, lunar, y, ycn, yw, mr1, month_num, month_cn, mw, q, qr1, fq, half,
     fm, edge, bd, bdcn) = _BRANCH_GROUPS(groups)
    s, e = m.span()
    if iso_y:
        iso_m, iso_d = _ISO_MONTH_DAY(groups)
        parts = DateParts(year=int(iso_y), month=int(iso_m), day=int(iso_d))
        return _Atom(s, e, _CLOSED, parts)
    if yr1:
        return _Atom(s, e, _CLOSED, DateParts(year=int(yr1)), DateParts(year=int(_YEAR_RANGE_END(groups))))
    if lunar:
        return _Atom(s, e, _CLOSED, DateParts(), lunar=True)
    if y or ycn:
        year = int(y) if y else _cn_year(ycn)
        if not 1800 <= year <= 2199:
            return None
        year_edge = _YEAR_EDGE(groups)
        if year_edge:
            return _Atom(s, e, _CLOSED, DateParts(year=year, month_span=(v.edges[year_edge],) * 2))
        return _Atom(s, e, _YEAR, _shared_parts(year=year))
    if yw:
        spec = v.year_words[yw]
        parts = _shared_parts(year_offset=int(spec["offset"]), anchored=bool(spec.get("anchored")),
                              needs_anchor=bool(spec.get("needs_anchor")))
        year_edge = _YEAR_WORD_EDGE(groups)
        if year_edge:
            return _Atom(s, e, _CLOSED, replace(parts, month_span=(v.edges[year_edge],) * 2))
        return _Atom(s, e, _YEAR, parts)
    if mr1:
        first, last = _small_number(mr1), _small_number(_MONTH_RANGE_END(groups))
        if not (1 <= first < last <= 12):
            return None
        return _Atom(s, e, _PERIOD, DateParts(month_span=(first, last)))
    if month_num or month_cn:
        d, d2, m_fen, m_part = _DAY_GROUPS(groups)
        month = _small_number(month_num or month_cn)
        day = _small_number(d) if d else None
        if day is not None and not 1 <= day <= _MONTH_DAYS[month]:
            return None  # 2月30日 is no date, with or without a year
        parts = _shared_parts(month=month, day=day)
        end_parts = None
        if d2:
            day2 = _small_number(d2)
            if not (day is not None and day < day2 <= _MONTH_DAYS[month]):
                return None
            end_parts = _shared_parts(month=month, day=day2)
        # a lone Chinese month (七月) needs a year or a day to count: 十月怀胎 is not a date
        loose = bool(month_cn) and day is None and not m_fen and not m_part
        return _Atom(s, e, _MONTH, parts, end_parts, loose=loose)
    if mw:
        return _Atom(s, e, _MONTH_WORD, DateParts(month_offset=v.month_words[mw]))
    if q:
        quarter = _small_number(q)
        return _Atom(s, e, _PERIOD, DateParts(quarter_span=(quarter, quarter)))
    if qr1:
        first, last = _small_number(qr1), _small_number(_QUARTER_RANGE_END(groups))
        if not 1 <= first < last <= 4:
            return None
        return _Atom(s, e, _PERIOD, DateParts(quarter_span=(first, last)))
    if fq:
        return _Atom(s, e, _PERIOD, DateParts(quarter_span=(1, _small_number(fq))))
    if half:
        return _Atom(s, e, _PERIOD, DateParts(half=v.halves[half]))
    if fm:
        n = _small_number(fm)
        if not 2 <= n <= 12:  # 前1个月 is "one month earlier", not January
            return None
        return _Atom(s, e, _PERIOD, DateParts(month_span=(1, n)))
    if edge:
        month = v.edges[edge]
        return _Atom(s, e, _PERIOD, DateParts(month_span=(month, month)))
    if bd or bdcn:
        day = _small_number(bd or bdcn)
        if not 1 <= day <= 31:
            return None
        return _Atom(s, e, _BARE_DAY, DateParts(day=day), loose=True)
    return None


# _with_year_of spells out every field of DateParts: fail at import if one is added
if tuple(f.name for f in fields(DateParts)) != (
    "year", "year_offset", "anchored", "needs_anchor", "month_offset", "month", "day", "month_span",
    "quarter_span", "half", "since",
):
    raise ImportError("DateParts changed its fields: update dates._with_year_of")


def _with_year_of(parts: DateParts, year: DateParts) -> DateParts:
    """``parts`` with the year fields of ``year``: dataclasses.replace(parts, year=...,
    year_offset=..., anchored=..., needs_anchor=...) written out, at a quarter of the cost."""
    return DateParts(year=year.year, year_offset=year.year_offset, anchored=year.anchored,
                     needs_anchor=year.needs_anchor, month_offset=parts.month_offset, month=parts.month,
                     day=parts.day, month_span=parts.month_span, quarter_span=parts.quarter_span,
                     half=parts.half, since=parts.since)


def _glue(year: _Atom, nxt: _Atom) -> _Atom:
    """An open year followed by a month or period: 2024年 + 6月4日, 今年 + 前4个月."""
    parts = _with_year_of(nxt.parts, year.parts)
    end_parts = None if nxt.end_parts is None else _with_year_of(nxt.end_parts, year.parts)
    return _Atom(year.start, nxt.end, _CLOSED, parts, end_parts)


def _bare_day_licensed(text: str, atom: _Atom, v: _Vocab, anchor: Anchor | None, anchor_has_day: bool) -> bool:
    """Is a bare ``12日`` a day of the month here, rather than a count of days?"""
    after = text[atom.end : atom.end + 4]
    if after.startswith(v.bare_day_not_before):
        return False
    if text[atom.end - 1] != "日" or not text[atom.start].isascii():
        return False  # 3号, 三日: only as the end of a range
    if after.startswith(v.day_followers) or _CLOCK.match(after):
        return True
    before = text[max(0, atom.start - 4) : atom.start]
    if before.endswith(v.bare_day_after):
        return True
    if anchor_has_day and anchor is not None:  # 5月20日上午…，21日…
        return True
    # Sentence-initial 12日，… (news datelines put the day first)
    lead = text[: atom.start]
    return all(c in _OPENERS for c in lead) and (not after or after[0] in ",，、 ")


def find_dates(text: str, published: date | None = None) -> list[Figure]:
    """Every date expression in ``text`` (one normalised sentence), resolved against ``published``."""
    if not _may_hold_date(text):
        return []
    v = _vocab()
    atoms: list[_Atom] = []
    for m in v.regex.finditer(text):
        atom = _atom(m, v)
        if atom is not None:
            atoms.append(atom)
    if not atoms:
        return []

    # 1. glue touching atoms: an open year + month / period; a month word + bare day
    exprs: list[_Atom] = []
    for atom in atoms:
        prev = exprs[-1] if exprs else None
        if prev is not None and prev.end == atom.start:
            if prev.kind == _YEAR and atom.kind in (_MONTH, _PERIOD):
                exprs[-1] = _glue(prev, atom)
                continue
            if prev.kind == _MONTH_WORD and atom.kind == _BARE_DAY:
                parts = replace(atom.parts, month_offset=prev.parts.month_offset)
                exprs[-1] = _Atom(prev.start, atom.end, _CLOSED, parts)
                continue
        exprs.append(atom)

    figures: list[Figure] = []
    anchor: Anchor | None = None
    anchor_has_day = False
    # the last resolved date, read into `anchor` only once a later expression needs it
    # (most sentences have one date expression)
    anchor_iso: str | None = None
    i = 0
    while i < len(exprs):
        if anchor_iso is not None:
            anchor, anchor_has_day = _anchor_of(anchor_iso)
            anchor_iso = None
        expr = exprs[i]
        i += 1
        start, end = expr.start, expr.end
        parts, end_parts = expr.parts, expr.end_parts

        # 2. ranges: expr + connector + expr (2021年11月至2022年3月, 5月1日至3日)
        if end_parts is None and i < len(exprs) and not expr.lunar:
            nxt = exprs[i]
            if nxt.end_parts is None and not nxt.lunar and text[end : nxt.start] in v.connectors \
                    and _range_compatible(parts, nxt.parts):
                end_parts, end = nxt.parts, nxt.end
                i += 1

        if expr.loose:
            if expr.kind == _BARE_DAY and end_parts is not None:
                if text[expr.end - 1] != "日":
                    continue  # 3号至5号: house numbers as often as days
            elif (expr.kind == _MONTH and end_parts is None) or (
                expr.kind == _BARE_DAY and not _bare_day_licensed(text, expr, v, anchor, anchor_has_day)
            ):
                continue

        if not parts.has_own_year and parts.year is None \
                and text.endswith(v.distributive, 0, start):
            continue  # 每年年底, 每月15日: recurring, not one date

        # 3. suffixes that belong to the surface
        rest = text[end : end + 2]
        if rest in v.since:
            end += len(rest)
            parts = replace(parts, since=True)
            end_parts = None
        elif rest in v.same_period and end_parts is None:
            end += len(rest)

        if expr.lunar:
            iso, iso_end = None, None
        else:
            iso, iso_end = _resolve_range(parts, end_parts, published, anchor)
            if parts.needs_anchor and iso is None:
                continue  # 同年 / 次年 with no year before it: anaphora, not a fact here
            if iso is not None:  # later partial dates in the sentence take this one's year
                anchor_iso = iso_end or iso
        if iso is None and not expr.lunar and (published is not None or parts.year is not None):
            continue  # resolvable yet no date: an impossible calendar date (2月30日)
        figures.append(date_figure(date=iso, date_end=iso_end, surface=text[start:end], start=start, end=end))
    return figures


def _anchor_of(iso: str) -> tuple[Anchor | None, bool]:
    """The anchor a resolved ISO date sets, and whether it was day-precise."""
    year = int(iso[:4])
    rest = iso[5:]
    if rest[:1].isdigit():
        month = int(rest[:2])
        return Anchor(year, month), len(rest) > 2
    return Anchor(year, None), False


def _range_compatible(first: DateParts, second: DateParts) -> bool:
    """Two expressions a connector can join: calendar points, the second no more specific in year."""
    if first.since or second.since or first.is_period or second.is_period:
        return False
    # the end must say at least as little as the start: 5月1日至3日, 2021年11月至2022年3月
    if second.day is not None and second.month is None and first.day is None:
        return False
    # 5月1日至6月: mixed precision is two facts
    return not (first.day is not None and second.day is None and second.month is not None)


def _resolve_range(
    parts: DateParts, end_parts: DateParts | None, published: date | None, anchor: Anchor | None
) -> tuple[str | None, str | None]:
    iso, iso_end = resolve_relative_date(parts, published, anchor)
    if end_parts is None:
        return iso, iso_end
    ym = _year_and_month(parts, published, anchor)
    if ym is None or iso is None:
        return iso, None
    start_anchor = Anchor(ym[0], ym[1])
    end_iso, _ = resolve_relative_date(end_parts, published, start_anchor)
    if end_iso is not None and end_iso < iso and not end_parts.has_own_year:
        # 2023年12月至1月: the end is in the next year
        end_iso, _ = resolve_relative_date(end_parts, published, Anchor(ym[0] + 1, ym[1]))
    if end_iso is None or end_iso < iso:
        return iso, None
    return iso, end_iso
