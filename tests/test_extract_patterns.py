"""Regex helpers shared by the grammar modules (pipeline/extract/patterns.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.extract.dates import _ATOM_RE
from pipeline.extract.figures import _FIGURE_RE
from pipeline.extract.patterns import groups_getter


@pytest.mark.parametrize("text", ["总投资约5.5亿元", "2023年6月4日", "全省第3位", "一季度", "三分之一", "2021-2023年",
                                  "5月1-3日", "人民币3000万元以上", "无", ""])
@pytest.mark.parametrize("regex", [_FIGURE_RE, _ATOM_RE])
def test_groups_getter_reads_what_group_reads(regex, text: str) -> None:
    names = list(regex.groupindex)
    every = groups_getter(regex, *names)
    for m in regex.finditer(text):
        assert every(m.groups()) == m.group(*names)
        for name in names:  # one name: the group itself, not a tuple of one
            assert groups_getter(regex, name)(m.groups()) == m.group(name)


@given(st.text(alphabet="ab12元亿 ", max_size=15))
@pytest.mark.parametrize("pattern", [r"(?P<n>\d+)(?P<u>亿?元)?", r"a(?P<x>b+)?|(?P<y>\d)元", r"(?<!\d)(?P<n>\d+)(?!元)"])
def test_scanned_from_first_chars_matches_what_tried_only_at_does(pattern: str, text: str) -> None:
    """The same match (group "m"), the same groups, from every place a scan may start."""
    import re

    from pipeline.extract.patterns import scanned_from_first_chars, tried_only_at

    first = "ab12"  # every character a match of the patterns can start with
    plain = re.compile(tried_only_at(first, pattern))
    scanned = re.compile(scanned_from_first_chars(first, "m", pattern))
    for pos in range(len(text) + 1):
        a, b = plain.search(text, pos), scanned.search(text, pos)
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            groups = b.groupdict()
            del groups["m"]
            assert (a.span(), a.groupdict()) == (b.span("m"), groups) and b.start() == a.start()
