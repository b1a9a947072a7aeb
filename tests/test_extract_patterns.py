"""Regex helpers shared by the grammar modules (pipeline/extract/patterns.py)."""

from __future__ import annotations

import pytest

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
