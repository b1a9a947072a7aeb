"""_name_start gives what the plain walk back over characters gives: its stop-word gate (the
second character of a stop word before a pair is sliced) never changes an answer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.link import _NAME_STOP_PAIRS, _NAME_STOPS, _NAME_STOP_WORDS, _name_start, _vocab


def _walked_name_start(text: str, end: int, limit: int, floor: int = 0) -> int:
    """The definition: walk back from ``end`` one character at a time, a pair checked at each."""
    i = end
    while i > floor and end - i < limit:
        ch = text[i - 1]
        if not "\u4e00" <= ch <= "\u9fff" or ch in _NAME_STOPS:
            break
        if i - 2 >= floor and text[i - 2 : i] in _NAME_STOP_PAIRS and not _vocab().org_suffix_re.match(text, i):
            break
        i -= 1
    return i


# name characters, stop characters, stop words, organisation suffixes, digits and punctuation
_PIECES = (list("新乡市县城关镇中国建设银行河南科技大学") + sorted(_NAME_STOPS) + list(_NAME_STOP_WORDS)
           + ["有限公司", "局", "分行", "集团", "5", "A", "，", "（", " ", "\n", "\u9fff", "\u4e00", "\u4dff", "\ua000"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=14), st.data())
def test_name_start_equals_the_walk_back(pieces: list[str], data: st.DataObject) -> None:
    text = "".join(pieces)
    end = data.draw(st.integers(0, len(text)))
    limit = data.draw(st.integers(0, 20))
    floor = data.draw(st.integers(0, len(text)))
    assert _name_start(text, end, limit, floor) == _walked_name_start(text, end, limit, floor)


def test_name_start_on_corpus_like_names() -> None:
    for text in ("河南钜盛先导新材料科技有限公司", "中国建设银行河南省分行", "位于新乡市的新乡市市场监管局",
                 "通过建设银行", "今年新乡县", "根据红旗区", "2023年新乡市统计局", "的局", "以及成功局"):
        for end in range(len(text) + 1):
            for limit in (2, 4, 8, 18):
                for floor in range(end + 1):
                    assert _name_start(text, end, limit, floor) == _walked_name_start(text, end, limit, floor), \
                        (text, end, limit, floor)
