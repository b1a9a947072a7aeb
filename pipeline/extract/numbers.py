"""Numerals -> values: Arabic, Chinese, mixed (1.5万), vague (十几, 六七, 数百), fractions, 成.

The regex fragments here (``NUMERAL``, ``SCALE_CHARS`` ...) are the building blocks of the
figure grammar in figures.py; the ``parse_*`` functions turn the text those fragments
matched into values. Vocabulary (digits and scale words) lives in data/scales.toml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Literal

from pipeline.resources import load_toml

_SCALES = load_toml("scales.toml")
DIGIT_VALUES: dict[str, int] = dict(_SCALES["digits"])
SMALL_SCALES: dict[str, int] = dict(_SCALES["small"])
BIG_SCALES: dict[str, int] = dict(_SCALES["big"])
SCALE_VALUES: dict[str, int] = {**SMALL_SCALES, **BIG_SCALES}

CN_DIGIT_CHARS = "".join(DIGIT_VALUES)
SCALE_CHARS = "".join(SCALE_VALUES)
_ZERO_CHARS = frozenset(c for c, v in DIGIT_VALUES.items() if v == 0)
_TEN_CHARS = frozenset(c for c, v in SMALL_SCALES.items() if v == 10)
_VAGUE_DIGIT = "几"  # 十几, 几十, 二十几: an unknown digit, the number is a lower bound
_VAGUE_PREFIXES = {"数": "at_least", "上": "approx"}  # 数百 (several hundred), 上千 (up to a thousand)
_POINT = "点"  # Chinese decimal point: 十二点五 = 12.5, 零点八 = 0.8, 三点五亿 = 3.5e8
# Digits after 点 are read one by one, so only the positional digits belong there (两 never does).
_DECIMAL_DIGITS = "".join(c for c, v in DIGIT_VALUES.items() if c not in "两兩")
_BIG_SCALE_CHARS = "".join(BIG_SCALES)

# --- regex building blocks -------------------------------------------------------------
# Arabic: 1,111 only when every group after a comma has exactly three digits; 1.5 / 1．5.
ARABIC = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:[.．]\d+)?"
CN_INTEGER = f"[{CN_DIGIT_CHARS}{SCALE_CHARS}{_VAGUE_DIGIT}]+"
# 十二点五, 零点八, 三点五亿: a Chinese decimal, an integer part, 点, digits, then only the
# big scales (三点五亿 is 3.5e8; 三点五十分 is a clock time, not a number).
CN_DECIMAL = f"[{CN_DIGIT_CHARS}{SCALE_CHARS}]+{_POINT}[{_DECIMAL_DIGITS}]+[{_BIG_SCALE_CHARS}]*(?![{SCALE_CHARS}])"
CN_NUMERAL = f"(?:{CN_DECIMAL}|{CN_INTEGER})"
# A scale word after Arabic digits, unless it begins a unit: 5千米 / 25千克 / 50千瓦 are
# kilometres, kilograms, kilowatts, and 0.8百分点 is percentage points.
SCALE_AFTER_ARABIC = f"(?:[{SCALE_CHARS.replace('千', '').replace('百', '')}]|千(?![米克瓦])|百(?!分))"
# Arabic with Chinese scales: 1.5万, 3千, 1万亿, 1万5千
ARABIC_MIXED = f"{ARABIC}(?:{SCALE_AFTER_ARABIC}+(?:{ARABIC}{SCALE_AFTER_ARABIC}+)*)?"
# 数百, 上千: only in front of a scale word (上一年 and 数据 are not numbers)
VAGUE_PREFIXED = f"[{''.join(_VAGUE_PREFIXES)}](?=[{SCALE_CHARS}]){CN_INTEGER}"
NUMERAL = f"(?:{ARABIC_MIXED}|{VAGUE_PREFIXED}|{CN_NUMERAL})"
# Characters that can start or be part of a numeral: the cheap pre-check.
NUMERAL_START_CHARS = "0123456789" + CN_DIGIT_CHARS + SCALE_CHARS + _VAGUE_DIGIT  # 点 never starts one
# Every character a match of NUMERAL can hold, besides \d (a regex class body, escaped).
NUMERAL_CHARS = re.escape(",.．" + CN_DIGIT_CHARS + SCALE_CHARS + _VAGUE_DIGIT + "".join(_VAGUE_PREFIXES) + _POINT)

_ARABIC_RE = re.compile(ARABIC)
_ARABIC_TIMES_BIG_SCALE_RE = re.compile(f"({ARABIC})([{_BIG_SCALE_CHARS}])")  # 45441万, 3.5亿
_TOKEN_RE = re.compile(f"{ARABIC}|[{CN_DIGIT_CHARS}{SCALE_CHARS}]")

NumberQualifier = Literal["exact", "approx", "at_least", "range"]


class NumeralError(ValueError):
    """The text is not a well-formed numeral (统一三 read as 一三, 十百)."""


@dataclass(frozen=True)
class NumberReading:
    """What a numeral says: a value, or a range, and how exact it is."""

    value: float
    value_max: float | None = None
    qualifier: NumberQualifier = "exact"
    bare_scale: bool = False  # 千, 万: a scale word with no digit, only a number in 近千 / 千余
    is_year_like: bool = False  # 2023, 二〇二三: four positional digits, read as a year before 年
    is_one: bool = False  # exactly 一: before a classifier it is an article (一家, 一次)


def _evaluate_tokens(tokens: list[float | str]) -> float:
    """Value of digits and scale words: 三千五百 -> 3500, 三亿五千万, 一万亿, 三千五 -> 3500.

    ``tokens`` are numbers (digits or Arabic numbers) and scale characters.
    """
    total = 0.0  # sum of closed 万 / 亿 sections
    section = 0.0  # value below the current big scale
    current: float | None = None  # a digit waiting for its scale
    last_small = 10**9  # scales inside a section must descend: 一百一十, not 十百
    after_zero = False
    prev_scale: float | None = None  # the scale right before `current`, for 三千五 / 一万二
    for tok in tokens:
        if isinstance(tok, float):
            if current is not None:
                raise NumeralError("two digits in a row")
            if tok == 0:
                after_zero, prev_scale = True, None
                continue
            current = tok
            continue
        scale = float(SCALE_VALUES[tok])
        if tok in SMALL_SCALES:
            if current is None:
                # 十 alone, 十五, 一千零十: a leading 十 means one ten; other bare scales too
                if (section or total) and not (after_zero or tok in _TEN_CHARS):
                    raise NumeralError("scale without digit")
                current = 1.0
            if scale >= last_small:
                raise NumeralError("scales not descending")
            section += scaled(current, scale)
            last_small, current, prev_scale = scale, None, scale
        else:
            chunk = section + (current or 0.0)
            if chunk == 0:
                total = (total or 1.0) * scale  # 万亿; a bare 万 is 1万
            elif total and total < scale:
                total = scaled(total + chunk, scale)  # 一万二千亿
            else:
                total += scaled(chunk, scale)
            section, current, last_small, prev_scale = 0.0, None, 10**9, scale
        after_zero = False
    if current is not None:
        if prev_scale is not None and prev_scale > 10 and not after_zero:
            current *= prev_scale / 10  # abbreviated: 三千五 = 3500, 一万二 = 12000
        section += current
    return total + section


def _tokens(s: str) -> list[float | str]:
    pieces: list[str] = _TOKEN_RE.findall(s)
    out: list[float | str] = []
    for t in pieces:
        if t in SCALE_VALUES:
            out.append(t)
        elif t in DIGIT_VALUES:
            out.append(float(DIGIT_VALUES[t]))
        else:
            out.append(parse_arabic(t))
    if "".join(pieces) != s:
        raise NumeralError(f"not a numeral: {s!r}")
    return out


def parse_arabic(s: str) -> float:
    """``1,111`` -> 1111, ``3．5`` -> 3.5."""
    return float(s.replace(",", "").replace("．", "."))


def parse_chinese_number(s: str) -> float:
    """A Chinese (or mixed) numeral without vagueness: 两千零四, 三千五百, 二〇二四, 1.5万, 1万亿.

    Raises NumeralError for text that is not one numeral.
    """
    if not s:
        raise NumeralError("empty numeral")
    if _POINT in s:
        return _parse_cn_decimal(s)
    if all(c in DIGIT_VALUES for c in s):
        if len(s) == 1:
            return float(DIGIT_VALUES[s])
        if len(s) >= 3 or any(c in _ZERO_CHARS for c in s):
            # positional digits: 二〇二四 -> 2024, 一九九八 -> 1998
            return float("".join(str(DIGIT_VALUES[c]) for c in s))
        raise NumeralError(f"two digits are a range, not a number: {s!r}")
    return _evaluate_tokens(_tokens(s))


def _parse_cn_decimal(s: str) -> float:
    """十二点五 -> 12.5, 零点零八 -> 0.08, 三点五亿 -> 3.5e8 (big scales after the digits)."""
    integer, _, rest = s.partition(_POINT)
    digits = rest.rstrip(_BIG_SCALE_CHARS)
    scales = rest[len(digits) :]
    if not integer or not digits or any(c not in DIGIT_VALUES or c in "两兩" for c in digits):
        raise NumeralError(f"not a decimal: {s!r}")
    whole = float(DIGIT_VALUES[integer]) if len(integer) == 1 and integer in DIGIT_VALUES else parse_chinese_number(integer)
    fraction = float("0." + "".join(str(DIGIT_VALUES[c]) for c in digits))
    return (whole + fraction) * scale_value(scales)


def _consecutive_pair(s: str) -> int | None:
    """Index of the digit pair of an approximate range (六七, 十五六, 二三十, 三五), else None."""
    for i in range(len(s) - 1):
        a, b = s[i], s[i + 1]
        if a in DIGIT_VALUES and b in DIGIT_VALUES:
            va, vb = DIGIT_VALUES[a], DIGIT_VALUES[b]
            if va and vb and (vb == va + 1 or (va, vb) == (3, 5)):
                return i
            return None
    return None


# the same few numerals (1, 2023, 十, 5.5) recur in every article; a reading is frozen,
# so one can be shared (errors are not cached: they raise again)
@lru_cache(maxsize=4096)
def parse_numeral(s: str) -> NumberReading:
    """Read a numeral the grammar matched (sign excluded): exact, vague or an inline range.

    十几 -> 10 at_least; 几十 -> 10 at_least; 数百 -> 100 at_least; 上千 -> 1000 approx;
    六七 -> 6..7 range; 三五 -> 3..5; 十五六 -> 15..16; 七八十万 -> 700000..800000.
    """
    if not s:
        raise NumeralError("empty numeral")
    if s.isascii() and s.isdigit():
        # the commonest numeral, 2024 or 15: what the _ARABIC_RE branch below reads it as
        return NumberReading(value=float(s), is_year_like=len(s) == 4)
    times_big_scale = _ARABIC_TIMES_BIG_SCALE_RE.fullmatch(s)
    if times_big_scale:
        # the next commonest, 45441万 or 3.5亿: what _evaluate_tokens makes of it (not of 0万,
        # which it reads as a bare 万)
        number = parse_arabic(times_big_scale.group(1))
        if number != 0:
            return NumberReading(value=scaled(number, float(SCALE_VALUES[times_big_scale.group(2)])))
    if _POINT in s:
        return NumberReading(value=_parse_cn_decimal(s))
    if s[0] in _VAGUE_PREFIXES:
        rest = s[1:]
        if not rest or _VAGUE_DIGIT in rest:
            raise NumeralError(f"bad vague numeral {s!r}")
        return NumberReading(value=_evaluate_tokens(_tokens(rest)), qualifier=_VAGUE_PREFIXES[s[0]])  # type: ignore[arg-type]
    if _VAGUE_DIGIT in s:
        if s.count(_VAGUE_DIGIT) > 1 or s == _VAGUE_DIGIT:
            raise NumeralError(f"bad vague numeral {s!r}")
        # 几十 / 几百万: the unknown leading digit is read as one; 十几 / 二十几万: dropped
        known = "一" + s[1:] if s[0] == _VAGUE_DIGIT else s.replace(_VAGUE_DIGIT, "")
        if s[0] != _VAGUE_DIGIT and s[s.index(_VAGUE_DIGIT) - 1] not in SCALE_VALUES:
            raise NumeralError(f"几 must follow a scale word: {s!r}")
        return NumberReading(value=_evaluate_tokens(_tokens(known)), qualifier="at_least")
    if len(s) > 1 and all(c in DIGIT_VALUES for c in s) and (len(s) >= 3 or any(c in _ZERO_CHARS for c in s)):
        return NumberReading(value=parse_chinese_number(s), is_year_like=len(s) == 4)
    if _ARABIC_RE.fullmatch(s):
        value = parse_arabic(s)
        return NumberReading(value=value, is_year_like=len(s) == 4 and s.isdigit())
    if all(c in SCALE_VALUES for c in s) and s[0] not in _TEN_CHARS:
        return NumberReading(value=_evaluate_tokens(list(s)), bare_scale=True)
    pair = _consecutive_pair(s)
    if pair is not None and not any(c in _ZERO_CHARS for c in s):
        low = parse_chinese_number(s[: pair + 1] + s[pair + 2 :])
        high = parse_chinese_number(s[:pair] + s[pair + 1 :])
        return NumberReading(value=low, value_max=high, qualifier="range")
    return NumberReading(value=parse_chinese_number(s), is_one=s in ("一", "壹"))


def scaled(value: float, factor: float) -> float:
    """value × factor in decimal arithmetic: 1.0753 × 1e8 is 107530000, not 107529999.99999999.

    The text writes decimal numbers; multiplying their binary approximations by a scale
    word or a unit factor would store values no text ever wrote.
    """
    if factor == 1.0:
        return value
    if type(value) is float and type(factor) is float and value.is_integer() and factor.is_integer():
        product = value * factor
        if -_EXACT_INTEGERS < product < _EXACT_INTEGERS:
            return product  # whole numbers below 2**53 multiply exactly in binary too
    return float(Decimal(repr(value)) * Decimal(repr(factor)))


_EXACT_INTEGERS = float(2**53)


def trailing_scale(s: str) -> float:
    """Product of the 千 / 万 / 亿 words ending a numeral: 30万 -> 1e4, 5万亿 -> 1e12, 20 -> 1.

    In a range the first number shares the second's scale: 20至30万元 = 200000..300000.
    """
    scale = 1.0
    for c in reversed(s):
        if c in BIG_SCALES or (c in SMALL_SCALES and SMALL_SCALES[c] == 1000):
            scale *= SCALE_VALUES[c]
        else:
            break
    return scale


def has_scale(s: str) -> bool:
    return any(c in SCALE_VALUES for c in s)


def scale_value(s: str) -> float:
    """Value of a run of scale words written after 余/多: 1600余万 -> the 万 = 1e4."""
    value = 1.0
    for c in s:
        value *= SCALE_VALUES[c]
    return value


def parse_fraction(denominator: str, numerator: str) -> tuple[float, str]:
    """X分之Y as (value, unit): 百分之四十 -> (40, percent); 千分之五 -> (5, permille);
    三分之一 -> (33.33.., percent)."""
    num = parse_numeral(numerator)
    if num.value_max is not None:
        raise NumeralError("range in a fraction")
    den = parse_numeral(denominator).value
    if den == 0:
        raise NumeralError("zero denominator")
    if den == 100:
        return num.value, "percent"
    if den == 1000:
        return num.value, "permille"
    return num.value / den * 100.0, "percent"


def parse_cheng(digit: str) -> float:
    """X成 as a percent: 两成 -> 20, 七成 -> 70."""
    return parse_numeral(digit).value * 10.0
