"""What a line of a news page is: masthead, headline, byline, body ...

Shared evidence for three stages: ingest (title, masthead date), normalise (is a line
break a cut inside a sentence?) and segment (articles). The vocabulary lives in
data/layout.toml; this module only compiles it and answers questions about one line.

Every function takes a line that is stripped and width-folded (full-width ASCII turned
into ASCII, as `pipeline.normalise.fold_chars` does), so patterns need one spelling only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from pipeline.resources import load_toml

LAYOUT_FILE = "layout.toml"

# A space between two CJK characters never occurs in Chinese body text; headlines and
# mastheads use it to separate their parts ("用好招商引资新模式 构建...新机制").
_CJK_SPACE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff”」』][ \u3000\t]+[\u3400-\u9fff\uf900-\ufaff“「『]")
_HAS_WORD = re.compile(r"[\w\u3400-\u9fff]")
_CLAUSE_END = re.compile(r"[,、。!?;:…]")


@dataclass(frozen=True)
class Layout:
    sentence_final: str
    closers: str
    introducers: str
    sentence_split: str
    long_line: int
    headline_max: int
    fragment_max: int
    masthead_scan_lines: int
    title_scan_lines: int
    # one alternation per category: one regex call per line instead of one per pattern (and
    # no generator around it: these are asked several times about every line)
    byline: re.Pattern[str]
    dateline: re.Pattern[str]
    continuation_end: re.Pattern[str]
    continuation_start: re.Pattern[str]
    subtitle: re.Pattern[str]
    masthead: re.Pattern[str]
    date_line: re.Pattern[str]
    openers: re.Pattern[str]


@cache
def layout() -> Layout:
    data = load_toml(LAYOUT_FILE)
    punct, lines, pats = data["punctuation"], data["lines"], data["patterns"]

    def compile_all(name: str) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{p})" for p in pats[name]))

    return Layout(
        sentence_final=punct["sentence_final"],
        closers=punct["closers"],
        introducers=punct["introducers"],
        sentence_split=punct["sentence_split"],
        long_line=int(lines["long_line"]),
        headline_max=int(lines["headline_max"]),
        fragment_max=int(lines["fragment_max"]),
        masthead_scan_lines=int(lines["masthead_scan_lines"]),
        title_scan_lines=int(lines["title_scan_lines"]),
        **{name: compile_all(name) for name in (
            "byline", "dateline", "continuation_end", "continuation_start", "subtitle", "masthead",
            "date_line", "openers")},
    )


def _strip_closers(line: str) -> str:
    return line.rstrip(layout().closers + " \t")


def ends_sentence(line: str) -> bool:
    """The line ends with sentence-final punctuation, closing quotes allowed after it."""
    core = _strip_closers(line)
    return bool(core) and core[-1] in layout().sentence_final


def break_is_final(line: str) -> bool:
    """A line break after this line is real whatever follows: the line ends a sentence, a
    quotation or bracket, or introduces what follows (colon, dash)."""
    if not line:
        return True
    lay = layout()
    last = line[-1]
    return last in lay.sentence_final or last in lay.closers or last in lay.introducers


def is_byline(line: str) -> bool:
    return layout().byline.search(line) is not None


def is_dateline(line: str) -> bool:
    return layout().dateline.search(line) is not None


def is_continuation_end(line: str) -> bool:
    return layout().continuation_end.search(line) is not None


def is_continuation_start(line: str) -> bool:
    return layout().continuation_start.search(line) is not None


def is_subtitle(line: str) -> bool:
    return layout().subtitle.search(line) is not None


def is_masthead(line: str) -> bool:
    """Masthead-like (paper name, issue data, weather ...); only meaningful near the top."""
    return not ends_sentence(line) and (layout().masthead.search(line) is not None or masthead_date(line) is not None)


def has_cjk_space(line: str) -> bool:
    return _CJK_SPACE.search(line) is not None


def starts_like_sentence(line: str) -> bool:
    """Opens the way news sentences open: a time phrase or connective and a comma."""
    return layout().openers.search(line) is not None


def is_structural(line: str) -> bool:
    """Byline, dateline, continuation marker or subtitle: never part of a body sentence."""
    return (is_byline(line) or is_continuation_end(line) or is_continuation_start(line)
            or is_subtitle(line) or masthead_date(line) is not None)


def is_headline_like(line: str) -> bool:
    """Short, no sentence-final punctuation, no full stop inside, not a byline or marker."""
    lay = layout()
    return (0 < len(line) <= lay.headline_max and not ends_sentence(line)
            and "。" not in line and line[-1] not in lay.introducers  # a sentence, or a lead-in
            and _HAS_WORD.search(line) is not None and not is_structural(line) and not is_dateline(line))


def first_clause_length(line: str) -> int:
    """Characters before the first clause punctuation (the whole line when there is none)."""
    m = _CLAUSE_END.search(line)
    return m.start() if m else len(line)


@cache
def _compiled(source: str) -> re.Pattern[str]:
    return re.compile(source)


def masthead_date(line: str) -> date | None:
    """The date of a line that is only a date (with its weekday): 2024年6月5日 星期三."""
    for source in load_toml(LAYOUT_FILE)["patterns"]["date_line"]:
        m = _compiled(source).match(line)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:  # 2024年2月30日: looks like a date, is none
                return None
    return None
