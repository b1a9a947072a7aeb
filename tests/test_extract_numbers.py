"""Numerals -> values (pipeline/extract/numbers.py): table-driven plus a round-trip property."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.extract.numbers import (
    NumeralError,
    parse_cheng,
    parse_chinese_number,
    parse_fraction,
    parse_numeral,
    trailing_scale,
)

CHINESE = [
    ("零", 0), ("十", 10), ("十五", 15), ("二十", 20), ("一百一十", 110), ("一千零一十", 1010),
    ("两千零四", 2004), ("三千五百", 3500), ("三千五", 3500), ("一万二", 12000), ("一万二千", 12000),
    ("二十万", 200000), ("三亿五千万", 350000000), ("一万亿", 10**12), ("一万二千亿", 1.2e12),
    ("一亿零一", 100000001), ("十亿零一千", 1000001000), ("二〇二四", 2024), ("一九九八", 1998),
    ("兩萬", 20000), ("參", 3), ("壹佰", 100), ("贰拾", 20), ("1.5万", 15000), ("3千", 3000),
    ("5.5亿", 550000000), ("1万亿", 10**12), ("1万5千", 15000), ("1,111", 1111), ("3．5", 3.5),
    # Chinese decimals: digits after 点 are positional, big scales may follow
    ("十二点五", 12.5), ("零点八", 0.8), ("零点零八", 0.08), ("三点五亿", 350000000), ("一千二百三十四点五六万", 12345600),
]


@pytest.mark.parametrize(("text", "value"), CHINESE)
def test_parse_chinese_number(text: str, value: float) -> None:
    assert parse_chinese_number(text) == pytest.approx(value)


READINGS = [
    # text, value, value_max, qualifier
    ("十几", 10, None, "at_least"),
    ("二十几", 20, None, "at_least"),
    ("几十", 10, None, "at_least"),
    ("几百万", 1000000, None, "at_least"),
    ("数百", 100, None, "at_least"),
    ("数十万", 100000, None, "at_least"),
    ("上千", 1000, None, "approx"),
    ("上万", 10000, None, "approx"),
    ("六七", 6, 7, "range"),
    ("两三", 2, 3, "range"),
    ("三五", 3, 5, "range"),
    ("十五六", 15, 16, "range"),
    ("二三十", 20, 30, "range"),
    ("三四百", 300, 400, "range"),
    ("七八十万", 700000, 800000, "range"),
    ("42.13", 42.13, None, "exact"),
    ("一", 1, None, "exact"),
]


@pytest.mark.parametrize(("text", "value", "value_max", "qualifier"), READINGS)
def test_parse_numeral(text: str, value: float, value_max: float | None, qualifier: str) -> None:
    reading = parse_numeral(text)
    assert (reading.value, reading.value_max, reading.qualifier) == (pytest.approx(value), value_max, qualifier)


@pytest.mark.parametrize(("text", "year_like", "bare", "one"), [
    ("2023", True, False, False), ("二〇二三", True, False, False), ("1,111", False, False, False),
    ("千", False, True, False), ("万", False, True, False), ("十", False, False, False),
    ("一", False, False, True), ("一百", False, False, False), ("12345", False, False, False),
])
def test_reading_flags(text: str, year_like: bool, bare: bool, one: bool) -> None:
    reading = parse_numeral(text)
    assert (reading.is_year_like, reading.bare_scale, reading.is_one) == (year_like, bare, one)


@pytest.mark.parametrize("text", ["一三", "十百", "统一", "几", "几几", "", "数", "三点两", "点五"])
def test_not_a_numeral(text: str) -> None:
    with pytest.raises(NumeralError):
        parse_numeral(text)


@pytest.mark.parametrize(("den", "num", "value", "unit"), [
    ("百", "四十", 40, "percent"), ("百", "九十五", 95, "percent"), ("千", "三", 3, "permille"),
    ("三", "一", 100 / 3, "percent"), ("三", "二", 200 / 3, "percent"), ("四", "三", 75, "percent"),
])
def test_parse_fraction(den: str, num: str, value: float, unit: str) -> None:
    got_value, got_unit = parse_fraction(den, num)
    assert (got_value, got_unit) == (pytest.approx(value), unit)


@pytest.mark.parametrize(("digit", "value"), [("两", 20), ("七", 70), ("一", 10), ("3", 30)])
def test_parse_cheng(digit: str, value: float) -> None:
    assert parse_cheng(digit) == value


@pytest.mark.parametrize(("text", "scale"), [("30万", 1e4), ("5万亿", 1e12), ("20", 1), ("3千", 1e3), ("二十", 1)])
def test_trailing_scale(text: str, scale: float) -> None:
    assert trailing_scale(text) == scale


# ---- property: integers written out in Chinese parse back to themselves ----------------

_DIGITS = "零一二三四五六七八九"


def _below_10000(n: int) -> str:
    """0 < n < 10000 in standard Chinese, zeros marked with one 零 (一千零五, 一百一十)."""
    out, zero = "", False
    for value, word in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out, zero = out + "零", False
        out += _DIGITS[digit] + word
    return out


def write_chinese(n: int) -> str:
    """A small int -> Chinese writer for the property test (十五 written as 一十五 is fine)."""
    if n == 0:
        return "零"
    out = ""
    for value, word in ((10**8, "亿"), (10**4, "万"), (1, "")):
        part = n // value if value == 10**8 else n // value % 10000
        if not part:
            continue
        # a gap in the middle (一亿零五) or a section below 1000 after a larger one gets 零
        if out and (part < 1000 or out.endswith("零")) and not out.endswith("零"):
            out += "零"
        out += (write_chinese(part) if part >= 10000 else _below_10000(part)) + word
    return out


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_chinese_numerals_round_trip(n: int) -> None:
    assert parse_chinese_number(write_chinese(n)) == n


@pytest.mark.parametrize(("n", "text"), [(1005, "一千零五"), (110, "一百一十"), (100000001, "一亿零一"),
                                         (1200000000000 // 10, "一千二百亿"), (10**12, "一万亿")])
def test_writer_itself(n: int, text: str) -> None:
    assert write_chinese(n) == text


@settings(max_examples=500, deadline=None)
@given(value=st.one_of(st.integers(min_value=-(10**17), max_value=10**17).map(float), st.floats(allow_nan=False)),
       factor=st.sampled_from([1e4, 1e8, 1e12, 1000.0, 10.0, 666.6666666666666, 0.0001, 24.0, 1e16]))
def test_scaled_is_the_decimal_product(value: float, factor: float) -> None:
    """The shortcut for whole numbers gives exactly the decimal product."""
    from decimal import Decimal

    from pipeline.extract.numbers import scaled

    if value in (float("inf"), float("-inf")):
        return
    result, decimal = scaled(value, factor), float(Decimal(repr(value)) * Decimal(repr(factor)))
    assert result == decimal and str(result) == str(decimal)  # str: -0.0 stays -0.0


@settings(max_examples=500, deadline=None)
@given(number=st.one_of(st.integers(min_value=0, max_value=10**12).map(str),
                        st.decimals(min_value=0, max_value=10**6, places=3).map(str),
                        st.sampled_from(["1,234", "12,345,678", "3．5", "0", "0.0", "1,2345", "٣", "４５"])),
       scale=st.sampled_from(["万", "萬", "亿", "億"]))
def test_arabic_with_a_big_scale_reads_as_the_general_grammar_does(number: str, scale: str) -> None:
    from pipeline.extract.numbers import NumberReading, _evaluate_tokens, _tokens

    text = number + scale
    try:
        expected = NumberReading(value=_evaluate_tokens(_tokens(text)))
    except NumeralError:
        with pytest.raises(NumeralError):
            parse_numeral.__wrapped__(text)
        return
    got = parse_numeral.__wrapped__(text)
    assert got == expected and str(got.value) == str(expected.value)
