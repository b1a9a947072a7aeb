"""What is not a fact: numbers inside names, codes, slogans, phone numbers, URLs, idioms.

The figure grammar asks two questions here:
- ``masked_spans(text)``: spans where no figure may start or end (URLs, phone numbers,
  weekdays, names such as 十四五 / 5G, idioms such as 千家万户). One regex pass, made
  lazily: only as far into the text as the candidates reach.
- ``is_not_fact(...)``: given a candidate figure, is it a name, code or slogan?
Word lists are in data/not_facts.toml.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache
from typing import NamedTuple

from pipeline.extract.patterns import by_first_char, tried_only_at
from pipeline.resources import load_toml

_WORDS = load_toml("not_facts.toml")

ORDINAL_MARKERS: tuple[str, ...] = tuple(sorted(_WORDS["ordinal_markers"], key=len, reverse=True))
RANK_VERBS: tuple[str, ...] = tuple(sorted(_WORDS["rank_verbs"], key=len, reverse=True))
RANK_ASPIRATIONS: frozenset[str] = frozenset(_WORDS["rank_aspirations"])
SLOGAN_HEADS_AFTER_GE: tuple[str, ...] = tuple(sorted(_WORDS["slogan_heads_after_ge"], key=len, reverse=True))

RANK_CHANGE_VERBS: tuple[str, ...] = tuple(sorted(_WORDS["rank_change_verbs"], key=len, reverse=True))
RANK_CHANGE_UNITS: frozenset[str] = frozenset(_WORDS["rank_change_units"])
RANK_CHANGE_FOLLOWERS: frozenset[str] = frozenset(_WORDS["rank_change_followers"])

_OPEN_QUOTES = "“\"「『‘《〈"
_CLOSE_QUOTES = "”\"」』’》〉"
# Clause boundaries: a rank verb must be in the same clause as its 第N / 首位.
CLAUSE_BREAKS = frozenset("，,。；;：:！!？?、\n")

_TERMS = sorted(set(_WORDS["names"]) | set(_WORDS["idioms"]), key=len, reverse=True)


_PHONE_LABELS = "电话|热线|手机|传真|联系方式|[Tt]el|TEL"
_PHONE_LABEL_CUES = ("电话", "热线", "手机", "传真", "联系方式", "Tel", "tel", "TEL")
_ASCII_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


class _Masked(NamedTuple):
    """One kind of masked text: its regex, the characters a match starts with, and its cues.

    A pattern can only match in a text that holds one of its cues (no cues: anywhere).
    Most sentences hold none, and the regex built for a sentence leaves out what cannot
    match there, so its scan tries two patterns at few characters, not eleven at many.
    """

    cues: tuple[str, ...]
    first_chars: str
    pattern: str
    # every branch of `pattern` opens with a literal character: see _mask_regex
    literal_first: bool = False


_MASKED: tuple[_Masked, ...] = (
    _Masked(("://", "www."), "hw", r"(?:https?://|www\.)[A-Za-z0-9._~:/?#@!$&'*+,;=%\-]+"),  # URLs
    _Masked(("@",), _ASCII_ALNUM + "._%+-", r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}"),  # e-mail
    _Masked((".com", ".cn", ".net", ".org", ".gov", ".edu"), _ASCII_ALNUM + "-",
            r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.(?:com|cn|net|org|gov|edu)(?:\.cn)?\b"),  # bare domains
    _Masked(("-",), "0", r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)"),  # landline 0373-1234567
    _Masked(_PHONE_LABEL_CUES, "电热手传联Tt",
            rf"(?:{_PHONE_LABELS})[:：]?\s*[\d\-\s]{{5,}}"),  # numbers after a phone label
    _Masked((), "1", r"1(?<!\d1)[3-9]\d{9}(?!\d)", literal_first=True),  # mobile (no digit before the 1)
    _Masked(("工程", "计划", "行动", "项目编号"), "0123456789",
            r"(?<!\d)\d{5,6}(?=工程|计划|行动|项目编号)"),  # programme code names (361015工程)
    _Masked(("-",), "ABCDEFGHIJKLMNOPQRSTUVWXYZ", r"[A-Z]{1,4}\s?\d{2,}-\d{2,}"),  # serials: CN 41-0006, ISSN-like
    _Masked(("星期", "礼拜"), "星礼", r"星期[一二三四五六日天]|礼拜[一二三四五六日天]"),  # weekdays
    _Masked(("+",), "0123456789", r"\d+(?:\+\d+)*\+[A-ZN\d]+"),  # formula names 8+17+N, 3+N, 1+1
    # names and idioms, one branch per first character: same matches, fewer tries
    _Masked((), "".join(t[0] for t in _TERMS), by_first_char(_TERMS), literal_first=True),
)


@cache  # one per combination of cues seen: a handful
def _mask_regex(present: tuple[bool, ...]) -> re.Pattern[str]:
    """The masked patterns whose cues are `present`, in their order (the order decides
    which of two overlapping matches wins; patterns left out cannot match anyway). A
    leading lookahead on their first characters lets the engine skip everything else."""
    kept = [masked for masked, keep in zip(_MASKED, present, strict=True) if keep]
    alternation = "|".join(m.pattern for m in kept)
    if all(m.literal_first for m in kept):
        # the regex engine collects these first characters itself and skips to them in a
        # tight loop, without starting a match attempt at every other place as it does
        # for a lookahead (the uncued patterns of most sentences: ~40% less scanning)
        return re.compile(alternation)
    return re.compile(tried_only_at("".join(masked.first_chars for masked in kept), alternation))


_UNCUED_MASK_RE = _mask_regex(tuple(not masked.cues for masked in _MASKED))  # what needs no cue
_ANY_CUE_RE = re.compile("|".join(re.escape(cue) for masked in _MASKED for cue in masked.cues))


def _mask_regex_for(text: str) -> re.Pattern[str]:
    if _ANY_CUE_RE.search(text) is None:
        return _UNCUED_MASK_RE  # most sentences: one C scan decides
    return _mask_regex(tuple(not m.cues or any(map(text.__contains__, m.cues)) for m in _MASKED))


class Masks:
    """The masked spans of one text, sorted and non-overlapping.

    The text is scanned lazily, only as far as the candidates asked about reach: the part
    after a sentence's last figure is never scanned. The spans found are the same as a
    full scan's, since the scan runs left to right either way.
    """

    __slots__ = ("_ends", "_exhausted", "_scan", "_starts")

    def __init__(self, text: str) -> None:
        self._scan = _mask_regex_for(text).finditer(text)
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._exhausted = False

    def overlaps(self, start: int, end: int) -> bool:
        # every span starting before `end` must be known: scan until one starts at or after it
        while not self._exhausted and (not self._starts or self._starts[-1] < end):
            found = next(self._scan, None)
            if found is None:
                self._exhausted = True
            else:
                self._starts.append(found.start())
                self._ends.append(found.end())
        i = bisect_right(self._starts, end - 1) - 1
        return i >= 0 and self._ends[i] > start


def masked_spans(text: str) -> Masks:
    return Masks(text)


def is_code_context(text: str, start: int, end: int) -> bool:
    """Numbers glued to Latin letters or '+' are codes or names: P3, G107, 5G, 3+N."""
    if start > 0:
        before = text[start - 1]
        if before.isascii() and before.isalpha() or before in "+#＃№":
            return True
    return text.startswith(("+", "#"), end)  # the character after, if any


def is_ordinal(text: str, start: int) -> bool:
    """第9兵团, 总第13324期, No.5: the number names a position, it does not count."""
    return text.endswith(ORDINAL_MARKERS, max(0, start - 4), start)  # one C call, no slice


def is_quoted_name(text: str, start: int, end: int) -> bool:
    """A number opening a short quoted phrase that goes on after it is a programme name:
    “十大行动”, “十项重点工作”, “三个不相信”. A figure that fills the quote (“翻番”) is kept."""
    if start == 0 or text[start - 1] not in _OPEN_QUOTES:
        return False
    close = -1
    for i in range(end, min(len(text), end + 12)):
        if text[i] in _CLOSE_QUOTES:
            close = i
            break
    return close > end


def is_slogan_count(text: str, end: int, unit: str) -> bool:
    """三个不相信, 四个不摘, 两个确保: N个 + a slogan head is a slogan, not a count."""
    if not unit.endswith("个"):
        return False
    tail = text[end : end + 4]
    return tail.startswith(SLOGAN_HEADS_AFTER_GE)


def is_pattern_count(text: str, end: int) -> bool:
    """1对1, 3比2: a count followed straight away by another digit is a pattern or a score."""
    return end < len(text) and text[end].isdigit()


def clause_before(text: str, start: int, limit: int = 16) -> str:
    """Text from the last clause break before `start` (at most `limit` characters)."""
    lo = max(0, start - limit)
    for i in range(start - 1, lo - 1, -1):
        if text[i] in CLAUSE_BREAKS:
            return text[i + 1 : start]
    return text[lo:start]


def has_rank_verb(text: str, start: int) -> bool:
    """位居第三, 排名第5位, 连续3年位居XX首位: a rank verb earlier in the same clause."""
    clause = clause_before(text, start)
    return any(verb in clause for verb in RANK_VERBS)


def is_rank_aspiration(text: str, start: int) -> bool:
    """争第一, 拿第一: a goal, not a standing."""
    return start > 0 and text[start - 1] in RANK_ASPIRATIONS


def is_rank_change(text: str, start: int, end: int, unit: str) -> bool:
    """排名前移5位, 上升了3位, 后退2个位次: places gained or lost in a ranking, not a count.

    The verb is glued to the number (only 了 between) and no noun follows the unit
    (提升5位干部 counts people)."""
    if unit not in RANK_CHANGE_UNITS:
        return False
    head = text[max(0, start - 4) : start]
    head = head.removesuffix("了")
    if not head.endswith(RANK_CHANGE_VERBS):
        return False
    after = text[end] if end < len(text) else ""
    return not _is_cjk(after) or after in RANK_CHANGE_FOLLOWERS


def _is_cjk(char: str) -> bool:
    return bool(char) and "\u4e00" <= char <= "\u9fff"
