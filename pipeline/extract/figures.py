"""Non-date figures: number + qualifier + unit + range -> Figure.

One compiled regex (``_FIGURE_RE``) finds candidates in a single left-to-right pass; the
``_read_*`` functions turn a candidate into a Figure (or reject it). The grammar is character-level: it never needs a
tokenizer. Vocabulary is data: units.toml, classifiers.txt, qualifiers.toml,
rank_scopes.txt, not_facts.toml.

Surfaces follow eval/FORMAT.md: qualifier words glued to the number are in the surface
(近2.3万名, 70%以上, 突破3600亿元); change verbs (增长, 下降) and prepositions (达到, 截至)
are not. measure / subject / change are left to the link stage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from pipeline.extract import filters
from pipeline.extract.figure_record import value_figure
from pipeline.extract.numbers import (
    ARABIC,
    NUMERAL,
    NUMERAL_CHARS,
    NUMERAL_START_CHARS,
    SCALE_AFTER_ARABIC,
    SCALE_CHARS,
    NumberReading,
    NumeralError,
    parse_arabic,
    parse_cheng,
    parse_fraction,
    parse_numeral,
    scale_value,
    scaled,
    trailing_scale,
)
from pipeline.extract.patterns import (by_first_char, groups_getter, optionals_as_branches, scanned_from_first_chars,
                                      tried_only_at)
from pipeline.resources import load_lines, load_toml
from schemas.records import Figure

# --------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class Unit:
    code: str
    kind: str
    base: str
    factor: float  # value in this unit x factor = value in `base`
    signed: bool  # may the value be negative
    # 沪指3267.19点 but not 下午3点: the number must be Arabic, and a whole one at least this
    arabic_only: bool = False
    integer_min: float | None = None


_COUNT = Unit(code="count", kind="count", base="count", factor=1.0, signed=False)
_RANK = Unit(code="rank", kind="rank", base="rank", factor=1.0, signed=False)
_TIMES = Unit(code="times", kind="multiple", base="times", factor=1.0, signed=False)
_NON_NEGATIVE_KINDS = frozenset({"area", "length", "weight", "duration", "count"})


_UNITS_TOML = load_toml("units.toml")
_RATES = _UNITS_TOML["rates"]  # per-unit rate vocabulary, not a unit


def _load_units() -> tuple[dict[str, Unit], dict[str, Unit], dict[str, tuple[str, ...]]]:
    suffixes: dict[str, Unit] = {}
    prefixes: dict[str, Unit] = {}
    not_before: dict[str, tuple[str, ...]] = {}
    for code, spec in _UNITS_TOML.items():
        if code == "rates":
            continue
        unit = Unit(code=code, kind=spec["kind"], base=spec["base"], factor=float(spec["factor"]),
                    signed=bool(spec.get("signed", False)), arabic_only=bool(spec.get("arabic_only", False)),
                    integer_min=spec.get("integer_min"))
        for surface in spec.get("suffixes", []):
            suffixes[surface] = unit
            not_before[surface] = tuple(spec.get("not_before", []))
        for surface in spec.get("prefixes", []) + spec.get("name_prefixes", []):
            prefixes[surface] = unit
    for classifier in load_lines("classifiers.txt"):
        suffixes.setdefault(classifier, _COUNT)  # a unit of measure wins over a classifier
    return suffixes, prefixes, not_before


SUFFIX_UNITS, PREFIX_UNITS, _UNIT_NOT_BEFORE = _load_units()
_RATIO = Unit(code="ratio", kind=_UNITS_TOML["ratio"]["kind"], base="ratio", factor=1.0, signed=False)
_RATIO_CUES = tuple(_UNITS_TOML["ratio"]["cues"])


def _load_denominators() -> dict[str, Unit]:
    """Surfaces that may follow the slash of a rate (元/亩, 公里/小时, 元/人) -> their unit."""
    kinds = frozenset(_RATES["denominator_kinds"])
    by_code = {u.code: u for u in SUFFIX_UNITS.values()}
    out = {surface: unit for surface, unit in SUFFIX_UNITS.items() if unit.kind in kinds}
    for surface, code in _RATES["denominators"].items():
        out[surface] = by_code.get(code) or Unit(code=code, kind="quantity", base=code, factor=1.0, signed=False)
    return out


DENOMINATORS = _load_denominators()
RATE_NUMERATOR_KINDS = frozenset(_RATES["numerator_kinds"])
_RATE_UNITS: dict[tuple[str, str], Unit] = {}


def rate_unit(numerator: Unit, denominator: Unit) -> Unit:
    """300万元/亩 -> CNY/mu (money); 500公斤/亩 -> kg/mu (quantity). See units.toml [rates]."""
    key = (numerator.code, denominator.code)
    unit = _RATE_UNITS.get(key)
    if unit is None:
        unit = Unit(code=f"{numerator.code}/{denominator.code}",
                    kind="money" if numerator.kind == "money" else "quantity",
                    base=f"{numerator.base}/{denominator.base}",
                    factor=numerator.factor / denominator.factor, signed=numerator.signed)
        _RATE_UNITS[key] = unit
    return unit
_QUALIFIERS = load_toml("qualifiers.toml")
PREFIX_QUALIFIERS: dict[str, str] = dict(_QUALIFIERS["prefix"])
SUFFIX_QUALIFIERS: dict[str, str] = dict(_QUALIFIERS["suffix"])
INLINE_QUALIFIERS: dict[str, str] = dict(_QUALIFIERS["inline"])
DURATION_SUFFIXES: dict[str, str] = dict(_QUALIFIERS["duration_suffix"])
AFTER_UNIT_MORE: frozenset[str] = frozenset(_QUALIFIERS["after_unit_more"]["words"])
AFTER_UNIT_MORE_KINDS: frozenset[str] = frozenset(_QUALIFIERS["after_unit_more"]["kinds"])
HEDGES: tuple[str, ...] = tuple(sorted(_QUALIFIERS["hedge"], key=len, reverse=True))
_HEDGE_RE = re.compile("|".join(re.escape(h) for h in HEDGES))  # does any hedge occur in a clause
RANK_SCOPES: tuple[str, ...] = load_lines("rank_scopes.txt")

# --------------------------------------------------------------------------- the grammar


def _longest_first(words: list[str] | tuple[str, ...]) -> list[str]:
    """Distinct words, longest first: an alternation takes the first branch that matches."""
    return sorted(set(words), key=len, reverse=True)


def _alternation(words: list[str] | tuple[str, ...]) -> str:
    return by_first_char(_longest_first(words))


_GE = "个個"  # the general classifier, which may carry 多 / 余 / 半 before a unit
_GE_INLINE = "多余餘半"


def _guarded_rest(word: str, not_after: str = "", not_before: tuple[str, ...] | str = ()) -> str:
    """``word`` after its first character as a regex, refusing the places where the word is
    part of a longer word."""
    first = re.escape(word[0])
    pattern = re.escape(word[1:])
    if not_after:
        # (?<![X])word, checked once the first character is read: not X, then that character
        pattern = f"(?<![{re.escape(not_after)}]{first})" + pattern
    blockers = list(not_before)
    if blockers:
        pattern += "(?!" + "|".join(re.escape(b) for b in blockers) + ")"
    if word.isascii() and word[-1].isalpha():
        pattern += "(?![A-Za-z])"
    return pattern


def _guarded_alternation(words: list[str], not_after: dict[str, str], not_before: dict[str, Any]) -> str:
    if any(word[0] in _GE and word in not_after for word in words):
        raise ValueError("a 个 word with a not_after guard: its lookbehind would follow the glued 多/余/半")
    alternation = by_first_char(_longest_first(words),
                                lambda word: _guarded_rest(word, not_after.get(word, ""), not_before.get(word, ())),
                                glue=dict.fromkeys(_GE, _GE_INLINE))  # 3个多小时, 两个半小时, 一个半月
    # The engine tries the branches of an alternation one by one, a few dozen to 150 of them
    # here, at every place one may start (after every number): one lookahead on their first
    # characters rejects the (many) places where none can.
    return tried_only_at("".join(word[0] for word in words), alternation)


_NOT_AFTER: dict[str, str] = dict(_QUALIFIERS["not_after"])
_NOT_BEFORE_Q: dict[str, str] = {k: tuple(v) for k, v in _QUALIFIERS["not_before"].items()}  # type: ignore[misc]

PREFIX_RE = _guarded_alternation(list(PREFIX_QUALIFIERS), _NOT_AFTER, _NOT_BEFORE_Q)
POST_RE = _guarded_alternation(list(SUFFIX_QUALIFIERS) + list(DURATION_SUFFIXES) + list(AFTER_UNIT_MORE), {}, _NOT_BEFORE_Q)
UNIT_RE = _guarded_alternation(list(SUFFIX_UNITS), {}, _UNIT_NOT_BEFORE)
DENOMINATOR_RE = _guarded_alternation(list(DENOMINATORS), {}, _UNIT_NOT_BEFORE)
RATE_SEP_RE = f"(?:{_alternation(_RATES['separators'])})"
# symbols (￥, US$) and the names of foreign currencies (新台币25亿元); 人民币 before a number
# adds nothing to its 元, so it stays out of the surface
CURRENCY_PREFIX_RE = _alternation([p for p in PREFIX_UNITS if not p.isalpha() or p.isascii() or PREFIX_UNITS[p].code != "CNY"])
SIGN_RE = r"(?:(?<![0-9A-Za-z.])[-−]|负|零下)"
RANGE_SEP_RE = r"(?:至|到|~|～|〜|-|－|—{1,2}|–)"
SCOPE_RE = _alternation(RANK_SCOPES)
_INLINE = f"[{''.join(INLINE_QUALIFIERS)}]"


def _number(i: int) -> str:
    """A numeral with its sign, inline 多/余 and a scale written after them (1600余万)."""
    return (f"(?P<sign{i}>{SIGN_RE})?(?P<n{i}>{NUMERAL})(?P<i{i}>{_INLINE})?"
            f"(?P<s{i}>{SCALE_AFTER_ARABIC}+(?![{SCALE_CHARS}]))?")


_CHENG_BLOCK = "员功为立本果交长熟绩效都就型品规套年人分份色像材才千百万批片群家形全语败事活"
# Characters that start a figure on their own (a numeral, a sign, 第 / 首 / 前, a one-character
# word), and the words before an amount, which start one otherwise (全国, 将近, 人民币).
_WORDS_BEFORE_AMOUNT = [*PREFIX_QUALIFIERS, *PREFIX_UNITS, *RANK_SCOPES]
_ONE_CHAR_STARTS = set(NUMERAL_START_CHARS + "第首前翻负零-−数上") | {w for w in _WORDS_BEFORE_AMOUNT if len(w) == 1}
# Every first character a figure can have. The figure regex opens with this class, which
# lets the regex engine skip the (many) characters that cannot start a figure.
_START_CHARS = sorted(_ONE_CHAR_STARTS | {w[0] for w in _WORDS_BEFORE_AMOUNT})
# A second gate: a one-character start, or the first two characters of a word before an
# amount. Most places the first gate lets through hold such a character in another word
# (市场, 将要, 新建, 人口, 大力), which this rejects at one test instead of trying every branch.
# 负 (a sign) and 数 / 上 (数百, 上千) start a figure only right before a numeral, or a
# scale word: the gate reads that character too, which rejects 负责, 数据, 上下 (a tenth
# of the places the first gate lets through) at one test.
_BEFORE_NUMERAL_STARTS = {"负": r"\d" + re.escape(NUMERAL_START_CHARS + "数上"), "数": re.escape(SCALE_CHARS),
                          "上": re.escape(SCALE_CHARS)}
if any(w[0] in _BEFORE_NUMERAL_STARTS for w in _WORDS_BEFORE_AMOUNT):
    raise ValueError("a word before an amount starts with 负 / 数 / 上: the start gate must let it through")
_START_GATE = "|".join(
    [f"[{''.join(re.escape(c) for c in sorted(_ONE_CHAR_STARTS - set(_BEFORE_NUMERAL_STARTS)))}]",
     *(f"{c}(?=[{after}])" for c, after in _BEFORE_NUMERAL_STARTS.items()),
     by_first_char(sorted({w[:2] for w in _WORDS_BEFORE_AMOUNT if w[0] not in _ONE_CHAR_STARTS}))])
# Two branches can only match where the text ahead holds their literal cue: a ratio its
# colon after digits, a fraction its 分之 after a numeral. Without a gate both read a whole
# number and then fail on the missing cue, at every number of every sentence: a third of the
# scanning time. The gates are lookaheads over the characters the number can hold, so they
# only skip places where the branch cannot match. (Per-sentence variants of the regex without
# those branches scan as fast, but each variant costs every process a compile of ~40 ms.)
_RATIO_GATE = r"(?=[\d,.．]*[:：])"
_FRACTION_GATE = rf"(?=[\d{NUMERAL_CHARS}]*分之)"
# What an amount (after its optional prefix qualifier) can start with: a numeral (a digit
# of any script, as \d reads it; a Chinese digit or scale; 数 / 上), a sign, a currency.
# Words such as 中国 / 全市 / 大力 start a rank scope or a qualifier and then nothing: with
# these lookaheads the engine gives up there in one test instead of trying every numeral.
_AMOUNT_START = r"\d" + re.escape("".join(sorted(set(NUMERAL_START_CHARS + "数上-−负零")
                                                  | {w[0] for w in PREFIX_UNITS})))
_QUALIFIED_AMOUNT_START = re.escape("".join(sorted({w[0] for w in PREFIX_QUALIFIERS}))) + _AMOUNT_START


def _figure_pattern(guarded: bool = True) -> str:
    """The figure grammar, from a figure's first character; `guarded=False` leaves out the
    lookaheads that only make it faster: the two-character start gate, the cue gates and the
    amount lookaheads (for the tests)."""
    ratio_gate = _RATIO_GATE if guarded else ""
    fraction_gate = _FRACTION_GATE if guarded else ""
    qualified_amount_ahead = f"(?=[{_QUALIFIED_AMOUNT_START}])" if guarded else ""
    amount_ahead = f"(?=[{_AMOUNT_START}])" if guarded else ""
    start_gate = f"(?={_START_GATE})" if guarded else ""
    return (
        f"{start_gate}(?:"
        # ranks: 全省第三, 第3位, 位居第一, 首位, 全国前十
        rf"(?P<rank>(?P<scope>{SCOPE_RE})?(?:第(?P<rnum>{NUMERAL})(?P<runit>位|名)?|(?P<first>首位|榜首)"
        rf"|前(?P<top>{NUMERAL})(?P<tunit>位|名|强)?))"
        # 翻番, 翻一番, 翻了两番
        r"|(?P<fan>翻了?(?P<fann>[一两二三四])?番)"
        # ratios: 1:7.2 (not 10:30:15, not 1:3.5.2)
        rf"|{ratio_gate}(?<![0-9.:：])(?P<ra>{ARABIC})[:：](?P<rb>{ARABIC})(?![0-9.:：])"
        rf"|{qualified_amount_ahead}(?P<pre>{PREFIX_RE})?{amount_ahead}(?:"
        # fractions: 三分之一, 百分之四十
        rf"{fraction_gate}(?P<fden>{NUMERAL})分之(?P<fnum>{NUMERAL})(?P<fpost>{POST_RE})?"
        # shares: 两成, 七成以上
        rf"|(?<![0-9{NUMERAL_START_CHARS}])(?P<cnum>[一二两三四五六七八九]|[1-9])成(?![{_CHENG_BLOCK}])(?P<cpost>{POST_RE})?"
        # number [unit [/ denominator]] [range-sep number unit [/ denominator]] [半] [qualifier]
        rf"|(?P<cur>{CURRENCY_PREFIX_RE})?{_number(1)}(?:(?P<u1>{UNIT_RE})(?:{RATE_SEP_RE}(?P<d1>{DENOMINATOR_RE}))?)?"
        rf"(?:(?P<sep>{RANGE_SEP_RE}){_number(2)}(?:(?P<u2>{UNIT_RE})(?:{RATE_SEP_RE}(?P<d2>{DENOMINATOR_RE}))?)?)?"
        rf"(?P<half>半)?(?P<post>{POST_RE})?"
        "))"
    )


# A search skips to the first characters in the engine's tight loop, not a match attempt at
# each place: a tenth less work for the scan. A match is group "figure" (scanned_from_first_chars).
_FIGURE_RE = re.compile(optionals_as_branches(scanned_from_first_chars("".join(_START_CHARS), "figure",
                                                                       _figure_pattern())))
_PRECHECK_RE = re.compile(f"[0-9{NUMERAL_START_CHARS}首番成]")
_ARABIC_ONLY_RE = re.compile(r"[0-9.,．]+")
_GE_INLINE_RE = re.compile(f"^([{_GE}])([{_GE_INLINE}])")

# --------------------------------------------------------------------------- reading a match


@dataclass(slots=True)
class _Candidate:
    """A figure before validation: offsets into the text and its reading."""

    kind: str
    unit: Unit
    value: float
    value_max: float | None
    qualifier: str
    start: int
    end: int
    unit_surface: str = ""
    # 一个 / 一家: usually an article. Kept only when the sentence contrasts it with other
    # counts of the same classifier (一个项目已开工, 其他两个项目正在办理).
    article_like: bool = False


@cache  # a few hundred unit surfaces, read several times per figure
def _unit_key(surface: str) -> tuple[str, str | None]:
    """个多小时 -> (个小时, 多); 个半月 -> (个月, 半)."""
    m = _GE_INLINE_RE.match(surface)
    if m and len(surface) > 2:
        return m.group(1) + surface[2:], m.group(2)
    return surface, None


class _Reject(NamedTuple):
    """What a reader returns when the match is not a figure: where scanning goes on.

    Returned, not raised: a third of all matches are rejected, and an exception costs
    more than the rest of rejecting them."""

    retry_at: int


def _read_number(numeral: str, sign: str | None, inline: str | None, scale: str | None) -> tuple[NumberReading, float, bool]:
    """(reading, value with sign and scale, has inline 多/余) of one number of a match:
    the groups n<i>, sign<i>, i<i> and s<i>."""
    reading = parse_numeral(numeral)
    value = reading.value
    value_max = reading.value_max
    if not scale and not sign:
        return reading, value, bool(inline)  # nothing to apply: the reading as parsed
    if scale:
        value = scaled(value, scale_value(scale))
        if value_max is not None:
            value_max = scaled(value_max, scale_value(scale))
    if sign:
        value = -value
        if value_max is not None:
            value_max = -value_max
    reading = NumberReading(value=value, value_max=value_max, qualifier=reading.qualifier,
                            bare_scale=reading.bare_scale, is_year_like=reading.is_year_like and not scale,
                            is_one=reading.is_one and not scale)
    return reading, value, bool(inline)


def _post_qualifier(post: str | None, kind: str) -> tuple[str | None, bool]:
    """(qualifier or None, keep the word in the surface) of a word written after the unit."""
    if not post:
        return None, False
    if post in SUFFIX_QUALIFIERS:
        return SUFFIX_QUALIFIERS[post], True
    if kind == "duration" and post in DURATION_SUFFIXES:
        q = DURATION_SUFFIXES[post]
        return (None if q == "exact" else q), True
    if kind in AFTER_UNIT_MORE_KINDS and post in AFTER_UNIT_MORE:
        return "at_least", True
    return None, False


def _hedged(text: str, start: int) -> bool:
    """预计达5亿元, 预计总投资5亿元: a hedge shortly before the number, in the same clause."""
    if _HEDGE_RE.search(text, max(0, start - 8), start) is None:
        return False  # none in the 8 characters before: none in the clause they hold (most figures)
    return _HEDGE_RE.search(filters.clause_before(text, start, limit=8)) is not None


@cache  # a pure lookup, made for nearly every match
def _suffix_unit(surface: str, cur: str | None) -> Unit:
    """The unit written after the number; a currency named before it wins over a bare 元
    (新台币25亿元 is TWD: its 元 is only the word for a dollar)."""
    unit = SUFFIX_UNITS[_unit_key(surface)[0]]
    if cur and surface == "元" and unit.code == "CNY":
        return PREFIX_UNITS[cur]
    return unit


# Groups are read from one ``m.groups()`` tuple per match (see groups_getter), and spans by
# group number.
_GROUP_NUMBER = _FIGURE_RE.groupindex

# which reader a match needs, and whether it has a unit at all
_DISPATCH_GROUPS = groups_getter(_FIGURE_RE, "rank", "ra", "fan", "fden", "cnum", "cur", "u1", "u2")
# a number [unit] [range] [qualifier] match
_FIGURE_GROUPS = groups_getter(_FIGURE_RE, "cur", "sign1", "n1", "i1", "s1", "u1", "d1", "sep", "sign2", "n2", "i2",
                               "s2", "u2", "d2", "half", "post", "pre")
_N1_U1 = groups_getter(_FIGURE_RE, "n1", "u1")
(_FIGURE, _CUR, _SIGN1, _N1, _U1, _D1, _N2, _U2, _D2, _HALF, _POST, _PRE) = (
    _GROUP_NUMBER[name] for name in ("figure", "cur", "sign1", "n1", "u1", "d1", "n2", "u2", "d2", "half", "post", "pre"))


def _read_figure(text: str, m: re.Match[str], groups: tuple[str | None, ...]) -> _Candidate | _Reject:
    """Number [unit] [range] [qualifier] -> one candidate, or _Reject. ``groups`` is ``m.groups()``."""
    (cur, sign1, n1, inline_word1, s1, u1, d1, sep, sign2, n2, inline_word2, s2, u2, d2,
     half, post, pre) = _FIGURE_GROUPS(groups)
    if not (u1 or u2 or cur):
        return _Reject(m.end(_FIGURE))  # a bare number: no unit, no figure
    num_start = m.start(_N1) if not sign1 else m.start(_SIGN1)
    start = m.start(_CUR) if cur else num_start
    try:
        first, value, inline1 = _read_number(n1, sign1, inline_word1, s1)
    except NumeralError:
        return _Reject(m.start(_N1) + 1)  # 统一三个: try again from 一三 -> 三
    end_u1 = m.end(_U1) if u1 else m.end(_N1)
    has_range = sep is not None and n2 is not None
    unit_surface = u2 if has_range and u2 else u1
    if cur and cur.isalpha() and not cur.isascii() and not (u1 or u2):
        cur = None  # 兑美元7.12 is an exchange rate: a currency name needs its 元 after the number
        start = num_start
    unit: Unit | None = _suffix_unit(unit_surface, cur) if unit_surface else (PREFIX_UNITS[cur] if cur else None)
    if has_range and u1 and u2 and unit is not None and SUFFIX_UNITS[_unit_key(u1)[0]].kind != unit.kind:
        has_range, unit_surface, unit = False, u1, SUFFIX_UNITS[_unit_key(u1)[0]]
    if unit is None:
        return _Reject(m.end(_FIGURE))
    if has_range and not u2 and not cur:
        has_range = False  # 3-5 with no unit after the second number
    value_max = first.value_max
    qualifier = first.qualifier
    inline = inline1
    end: int
    if has_range:
        try:
            second, value2, inline2 = _read_number(n2, sign2, inline_word2, s2)
        except NumeralError:
            has_range = False
        else:
            if not (u1 or s1) and trailing_scale(n1) == 1:
                value = scaled(value, trailing_scale(n2) * (scale_value(s2) if s2 else 1))
            top = second.value_max if second.value_max is not None else value2
            low, high = min(value, value2), max(value, top)
            value, value_max, qualifier = low, high, "range"
            first = second if second.is_year_like else first
            end = m.end(_U2) if u2 else m.end(_N2)
            inline = inline or inline2
    if not has_range:
        unit_surface = u1
        if u1:
            unit = _suffix_unit(u1, cur)
        elif not cur:
            return _Reject(m.end(_FIGURE))
        end = end_u1
    assert unit is not None
    # a per-unit rate: 300万元/亩, 20-30元/吨 (the denominator after the unit that ends the figure)
    rate_group = _D2 if has_range and u2 else (_D1 if not has_range and u1 else None)
    denominator = d2 if rate_group == _D2 else (d1 if rate_group == _D1 else None)
    if rate_group and denominator and unit.kind in RATE_NUMERATOR_KINDS:
        unit = rate_unit(unit, DENOMINATORS[denominator])
        end = m.end(rate_group)
    if first.is_year_like and unit.code == "year":
        # 2023年 is a date: dates.py. Checked as soon as it is known (a third of all
        # rejects); the checks below that reject the same way have no side effects.
        return _Reject(m.end(_FIGURE))
    kind = unit.kind
    key, ge_inline = _unit_key(unit_surface) if unit_surface else ("", None)
    if ge_inline == "半":
        value += 0.5
    elif ge_inline:
        inline = True
    # 半 and qualifier words after the unit, only where they belong to it
    if half and kind == "duration" and m.end(_HALF) and end == m.start(_HALF):
        value += 0.5
        end = m.end(_HALF)
    post_q, keep_post = _post_qualifier(post, kind) if post else (None, False)
    if keep_post and end == m.start(_POST):
        end = m.end(_POST)
    else:
        post_q = None
    # what the number is, in order of precedence: range > suffix > inline > prefix > hedge
    if qualifier == "range":
        pass
    elif post_q:
        qualifier = post_q
    elif inline or first.qualifier == "at_least":
        qualifier = "at_least"
    elif pre:
        qualifier = PREFIX_QUALIFIERS[pre]
    elif first.qualifier != "exact":
        qualifier = first.qualifier
    elif _hedged(text, start):
        qualifier = "approx"
    if pre:
        start = m.start(_PRE)
    # a scale word with no digit (千, 万) is a number only with a qualifier glued to it:
    # 近千, 千余, 上千, 千亿斤以上 (a bare 千 / 万 elsewhere is part of a word: 万人大会)
    if first.bare_scale and not (pre or inline or post_q):
        return _Reject(m.end(_FIGURE))
    if unit.arabic_only and not _ARABIC_ONLY_RE.fullmatch(n1):
        return _Reject(m.end(_FIGURE))
    if unit.integer_min is not None and value == int(value) and value < unit.integer_min:
        return _Reject(m.end(_FIGURE))
    if kind == "count" and filters.is_rank_change(text, start, end, key):
        unit, kind = _RANK, "rank"  # 排名前移5位: a rank, the link stage marks the change
    article_like = first.is_one and kind == "count" and qualifier == "exact" and not pre
    if (value < 0 or (value_max is not None and value_max < 0)) and (not unit.signed or kind in _NON_NEGATIVE_KINDS):
        return _Reject(m.end(_FIGURE))
    if sign1 == "零下" and kind != "temperature":
        return _Reject(m.start(_N1))
    # positional: nine keywords cost as much as building the candidate
    return _Candidate(kind, unit, value, value_max, qualifier, start, end, key, article_like)


def _read_rank(text: str, m: re.Match[str]) -> _Candidate | _Reject:
    scope = m.group("scope")
    start, end = m.start(), m.end(_FIGURE)
    if m.group("first"):
        if not (scope or filters.has_rank_verb(text, m.start())):
            return _Reject(end)  # 把安全放在首位: a priority, not a standing
        return _Candidate("rank", _RANK, 1.0, None, "exact", start, end)
    if m.group("top") is not None:
        if not scope:
            return _Reject(m.start("top"))  # 前4个月 is a period
        try:
            top = parse_numeral(m.group("top"))
        except NumeralError:
            return _Reject(end)
        return _Candidate("rank", _RANK, top.value, None, "at_most", start, end)
    try:
        reading = parse_numeral(m.group("rnum"))
    except NumeralError:
        return _Reject(end)
    if reading.value_max is not None or reading.qualifier != "exact" or reading.value < 1:
        return _Reject(end)
    if filters.is_rank_aspiration(text, start):
        return _Reject(end)
    has_unit = m.group("runit") is not None
    # 第四届, 第9兵团: an ordinal only names. A rank has a scope, a rank verb, or 位/名 with a
    # plausible standing (第6986名 is a serial number, not a rank).
    if scope or filters.has_rank_verb(text, start) or (has_unit and reading.value <= 100):
        if end < len(text) and text[end] in "届版期次批轮号条":
            return _Reject(end)
        return _Candidate("rank", _RANK, reading.value, None, "exact", start, end)
    return _Reject(end)


def _read_ratio(text: str, m: re.Match[str]) -> _Candidate | _Reject:
    """杠杆率达1:7.2 -> 7.2 ratio: one side is 1 and a ratio word is next to it."""
    a, b = parse_arabic(m.group("ra")), parse_arabic(m.group("rb"))
    if 1.0 not in (a, b):
        return _Reject(m.end(_FIGURE))
    before = filters.clause_before(text, m.start(), limit=12)
    after = text[m.end(_FIGURE) : m.end(_FIGURE) + 3]
    if not (any(c in before for c in _RATIO_CUES) or any(after.lstrip("的").startswith(c) for c in _RATIO_CUES)):
        return _Reject(m.end(_FIGURE))
    return _Candidate("quantity", _RATIO, b if a == 1.0 else a, None, "exact", m.start(), m.end(_FIGURE))


def _read_special(text: str, m: re.Match[str]) -> _Candidate | _Reject:
    """Fractions (三分之一), shares (两成) and doubling (翻一番)."""
    if m.group("fan"):
        times = {None: 1, "一": 1, "两": 2, "二": 2, "三": 3, "四": 4}[m.group("fann")]
        return _Candidate("multiple", _TIMES, float(2**times), None, "exact", m.start(), m.end(_FIGURE))
    pre = m.group("pre")
    if m.group("fden") is not None:
        try:
            value, code = parse_fraction(m.group("fden"), m.group("fnum"))
        except NumeralError:
            return _Reject(m.end(_FIGURE))
        post, end = m.group("fpost"), m.end("fnum")
    else:
        value, code = parse_cheng(m.group("cnum")), "percent"
        post, end = m.group("cpost"), m.end("cnum") + 1
    unit = SUFFIX_UNITS["%"] if code == "percent" else SUFFIX_UNITS["‰"]
    qualifier = "exact"
    post_q, keep = _post_qualifier(post, unit.kind)
    if keep:
        qualifier, end = post_q or "exact", end + len(post)
    elif pre:
        qualifier = PREFIX_QUALIFIERS[pre]
    start = m.start("pre") if pre else (m.start("fden") if m.group("fden") is not None else m.start("cnum"))
    return _Candidate("percent", unit, value, None, qualifier, start, end)


def _is_not_fact(text: str, cand: _Candidate, m: re.Match[str], groups: tuple[str | None, ...],
                 masks: filters.Masks) -> bool:
    if masks.overlaps(cand.start, cand.end):
        return True
    if cand.kind == "rank":
        return False
    n1, u1 = _N1_U1(groups)
    if n1 is not None:
        num_start = m.start(_N1)
        if filters.is_code_context(text, num_start, cand.end):
            return True
        if filters.is_ordinal(text, num_start):
            return True
        if cand.kind == "count" and (filters.is_slogan_count(text, cand.end, u1 or "")
                                     or filters.is_pattern_count(text, cand.end)):
            return True
        if cand.unit.kind == "duration" and cand.unit.code in ("month", "week", "day") and text[max(0, cand.start - 3) : cand.start].endswith(("年前", "年度前")):
            return True  # 今年前4个月 is a calendar period: dates.py
    return filters.is_quoted_name(text, cand.start, cand.end)


def _to_figure(text: str, cand: _Candidate) -> Figure:
    unit = cand.unit
    value, value_max, start, end = cand.value, cand.value_max, cand.start, cand.end
    factor = unit.factor
    # positional: a call with eleven keywords costs a fifth of the whole build
    return value_figure(cand.kind, value, value_max, unit.code, cand.qualifier,
                        scaled(value, factor), None if value_max is None else scaled(value_max, factor),
                        unit.base, text[start:end], start, end)


def _spread_respectively(text: str, figures: list[Figure]) -> list[Figure]:
    """分别突破800家和500家: the qualifier after 分别 covers every figure of the list."""
    if "分别" not in text:
        return figures  # nothing to spread (most sentences)
    out = list(figures)
    for i in range(len(out) - 1):
        first, nxt = out[i], out[i + 1]
        if first.qualifier in ("exact", "range") or nxt.qualifier != "exact" or nxt.kind != first.kind:
            continue
        if not text[max(0, first.start - 3) : first.start].endswith("分别"):
            continue
        if text[first.end : nxt.start] in ("和", "、", "及", "与", ",", "，", "以及"):
            out[i + 1] = nxt.model_copy(update={"qualifier": first.qualifier})
    return out


def find_figures(text: str) -> list[Figure]:
    """Every non-date figure in one sentence of normalised text, in text order."""
    if not _PRECHECK_RE.search(text):
        return []
    # URLs, phones, e-mails: scanned for only once a candidate needs checking against them
    masks: filters.Masks | None = None
    candidates: list[_Candidate] = []
    pos = 0
    n = len(text)
    search = _FIGURE_RE.search
    while pos < n:
        m = search(text, pos)
        if m is None:
            break
        groups = m.groups()
        rank, ratio, fan, fraction, share, cur, u1, u2 = _DISPATCH_GROUPS(groups)
        if not (u1 or u2 or cur or rank or ratio or fan or fraction or share):
            # a bare number (a third of all matches): _read_figure would reject it the same way,
            # at the cost of a call and a fetch of all its groups
            pos = max(m.end(_FIGURE), m.start() + 1)
            continue
        if rank is not None:
            cand = _read_rank(text, m)
        elif ratio is not None:
            cand = _read_ratio(text, m)
        elif fan is not None or fraction is not None or share is not None:
            cand = _read_special(text, m)
        else:
            cand = _read_figure(text, m, groups)
        if isinstance(cand, _Reject):
            pos = max(cand.retry_at, m.start() + 1)
            continue
        if cand.end <= cand.start:
            pos = m.start() + 1
            continue
        if masks is None:
            masks = filters.masked_spans(text)
        if not _is_not_fact(text, cand, m, groups, masks):
            candidates.append(cand)
        pos = max(cand.end, m.start() + 1)
    contrasted = {c.unit_surface for c in candidates if c.kind == "count" and not c.article_like and c.value != 1}
    figures = [_to_figure(text, c) for c in candidates if not c.article_like or c.unit_surface in contrasted]
    return _spread_respectively(text, figures)
