"""Normalise stage: text ready for extraction, with every character's raw offset.

Two kinds of change, both offset-safe:

* folding, one character for one: full-width ASCII -> ASCII, wide spaces -> space,
  〜 -> ~, ﹪ -> % (data/normalise.toml), Traditional -> Simplified characters (a table made
  from OpenCC's single-character t2s conversion, data/t2s_chars.tsv);
* removal: zero-width characters, and line breaks that cut a sentence in two (the page
  layout broke "经\\n\\n营审核同意书"). Which breaks are cuts is decided on line evidence
  (pipeline/layout.py): the line before does not end a sentence, is long body text (or
  opens like a sentence), and the line after continues it rather than starting anew.

`to_raw[i]` is the raw offset of normalised character i; removed characters have none.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from typing import NamedTuple

from pipeline import layout as lay
from pipeline.resources import data_path, load_toml
from schemas.records import NormalisedText, construct_valid

log = logging.getLogger(__name__)

NORMALISE_FILE = "normalise.toml"

# Line-break characters: the ones str.splitlines() knows, so no other stage sees a line
# break this one does not.
BREAK_CHARS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


class Line(NamedTuple):  # a NamedTuple: one per line, built several times faster than a dataclass
    start: int  # offsets of the stripped line
    end: int
    text: str


def text_lines(text: str) -> list[Line]:
    """Non-empty lines of `text`, stripped, with their offsets.

    What lies between two of them is a run of whitespace holding at least one line break:
    trailing blanks of one line, the breaks, blank lines and the indentation of the next.
    str.splitlines() finds them at C speed.
    """
    out: list[Line] = []
    pos = 0
    for chunk in text.splitlines(keepends=True):
        stripped = chunk.strip()
        if stripped:
            start = pos + len(chunk) - len(chunk.lstrip())
            out.append(Line(start, start + len(stripped), stripped))
        pos += len(chunk)
    return out


# Below this share of characters to fold, a regex with a callback beats str.translate
# (measured: 3.5x faster with 6% to fold, full-width punctuation; 2x slower with 40%,
# Traditional text). The share is estimated on the first characters.
_SPARSE_SAMPLE = 2_000
_SPARSE_RATIO = 0.15


@dataclass(frozen=True)
class _Folding:
    table: dict[int, str]
    remove: re.Pattern[str] | None
    # one character this stage may change or remove (any outside the BMP counts): most
    # text holds none and is then scanned once
    touched: re.Pattern[str]


def _runs_of(chars: str) -> re.Pattern[str]:
    """Runs of `chars`: written [c][c]* rather than [c]+, which is the same pattern, because
    only a pattern opening with a plain class gets the regex engine's fast scan (3x)."""
    cls = "[" + re.escape(chars) + "]"
    return re.compile(cls + cls + "*")


@cache
def _folding() -> _Folding:
    conf = load_toml(NORMALISE_FILE)
    table: dict[int, str] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
    keep = set(conf["t2s"].get("keep", ""))
    for line in data_path(conf["t2s"]["table"]).read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        trad, simp = line.split("\t")
        if trad not in keep:
            table[ord(trad)] = simp
    for src, dst in conf["chars"]["map"].items():
        table[ord(src)] = dst
    bad = {chr(k): v for k, v in table.items() if len(v) != 1}
    if bad:  # a longer replacement would shift every offset after it
        raise ValueError(f"normalise tables must map one character to one: {bad}")
    # Characters outside the BMP are one range: listed one by one they turn the regex
    # engine's bitmap into a list and the scan gets 50 times slower.
    bmp_keys = "".join(sorted(chr(k) for k in table if k <= 0xFFFF))
    remove_chars = conf["chars"].get("remove", "")
    remove = _runs_of(remove_chars) if remove_chars else None
    touched = re.compile("[" + re.escape(bmp_keys + remove_chars) + "\U00010000-\U0010ffff]")
    return _Folding(table=table, remove=remove, touched=touched)


def fold_chars(text: str) -> str:
    """One-for-one character folding (width, spaces, Traditional -> Simplified)."""
    if _folding().touched.search(text) is None:
        return text
    return _fold_touched(text)


def _fold_touched(text: str) -> str:
    """fold_chars for a text that may hold characters to fold."""
    fold = _folding()
    table = fold.table
    sample = min(len(text), _SPARSE_SAMPLE)
    if len(fold.touched.findall(text, 0, sample)) > _SPARSE_RATIO * sample:  # Traditional text
        return text.translate(table)
    get = table.get
    return fold.touched.sub(lambda m: get(ord(m.group()), m.group()), text)


def fold_line(line: str) -> str:
    """A line as the layout patterns expect it: folded and stripped."""
    return fold_chars(line).strip()


def _is_cut(prev: str, nxt: str, prev_position: int) -> bool:
    """Is the break between line `prev` and line `nxt` (both folded, stripped) inside a sentence?

    `prev_position` counts the non-empty lines before `prev`: masthead lines only count as
    such near the top.
    """
    if not prev or not nxt:
        return False
    if lay.break_is_final(prev):
        return False
    if lay.is_structural(prev) or lay.is_structural(nxt) or lay.is_dateline(nxt):
        return False
    if lay.has_cjk_space(prev):  # headline or masthead parts
        return False
    if prev_position < lay.layout().masthead_scan_lines and (lay.is_masthead(prev) or lay.is_masthead(nxt)):
        return False
    if lay.starts_like_sentence(nxt):
        return False
    long_line = lay.layout().long_line
    if not lay.ends_sentence(nxt) and len(nxt) < long_line:
        return False  # the next line is a headline, or something like one
    if len(prev) >= long_line or lay.starts_like_sentence(prev):
        return True
    return lay.first_clause_length(nxt) <= lay.layout().fragment_max


def _cut_breaks(found: list[Line]) -> list[tuple[int, int, str]]:
    """Spans of the folded text to drop, given its lines (`text_lines`), as (start, end,
    replacement): a cut line break goes entirely, or becomes one space between two Latin
    letters/digits (words stay apart)."""
    drops: list[tuple[int, int, str]] = []
    for position, (prev, nxt) in enumerate(pairwise(found)):  # position: lines before prev
        if _is_cut(prev.text, nxt.text, position):
            glue = " " if (prev.text[-1].isascii() and prev.text[-1].isalnum()
                           and nxt.text[0].isascii() and nxt.text[0].isalnum()) else ""
            drops.append((prev.end, nxt.start, glue))
    return drops


# Raw offsets 0, 1, 2 ...: the map of a text whose length does not change is a slice of
# this one list, several times cheaper than a list(range()) of fresh ints. Grown on demand
# up to _IDENTITY_MAX entries (~10 MB); longer documents get their own list.
_IDENTITY: list[int] = []
_IDENTITY_MAX = 1 << 18


def _identity(n: int) -> list[int]:
    """[0, 1, ..., n - 1]."""
    if n > len(_IDENTITY):
        if n > _IDENTITY_MAX:
            return list(range(n))
        _IDENTITY.extend(range(len(_IDENTITY), min(max(n, 2 * len(_IDENTITY)), _IDENTITY_MAX)))
    return _IDENTITY[:n]


def normalise(raw: str) -> NormalisedText:
    return normalise_with_lines(raw)[0]


def normalise_with_lines(raw: str) -> tuple[NormalisedText, list[Line]]:
    """`normalise(raw)` and the `text_lines` of its text, which segment needs: when nothing
    is removed (most text) they are the lines this stage reads anyway to find cut breaks."""
    fold = _folding()
    touched = fold.touched.search(raw) is not None  # most text: nothing to fold or remove
    folded = _fold_touched(raw) if touched else raw
    lines = text_lines(folded)
    drops = _cut_breaks(lines)
    if touched and fold.remove is not None:
        drops.extend((m.start(), m.end(), "") for m in fold.remove.finditer(folded))
        drops.sort()
    identity = _identity(len(raw) + 1)
    if not drops:  # the common case: nothing removed, the map is the identity
        return _normalised(folded, identity), lines
    parts: list[str] = []
    to_raw: list[int] = []
    pos = 0
    for start, end, glue in drops:
        if start < pos:  # overlapping drop (zero-width char inside a break run)
            start = pos
            if start >= end:
                continue
        parts.append(folded[pos:start])
        to_raw += identity[pos:start]
        if glue:
            parts.append(glue)
            to_raw.append(start)
        pos = end
    parts.append(folded[pos:])
    to_raw += identity[pos:]
    text = "".join(parts)
    return _normalised(text, to_raw), text_lines(text)


def _normalised(text: str, to_raw: list[int]) -> NormalisedText:
    # built by construction to satisfy the record's checks; validating millions of ints
    # again would cost more than the whole stage
    return construct_valid(NormalisedText, {"text": text, "to_raw": to_raw})


def build_t2s_table() -> list[tuple[str, str]]:
    """(Traditional, Simplified) pairs from OpenCC's t2s conversion of single characters.

    Needs the `opencc` package; only used to regenerate data/t2s_chars.tsv.
    """
    import opencc  # noqa: PLC0415 - build-time only

    converter = opencc.OpenCC("t2s")
    pairs: list[tuple[str, str]] = []
    for first, last in ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2A6DF)):
        for cp in range(first, last + 1):
            char = chr(cp)
            out = converter.convert(char)
            if out != char and len(out) == 1:
                pairs.append((char, out))
    return pairs


def _write_t2s_table() -> None:
    from pipeline.resources import data_dir  # noqa: PLC0415

    path = data_dir() / load_toml(NORMALISE_FILE)["t2s"]["table"]
    pairs = build_t2s_table()
    header = "# Traditional<TAB>Simplified, one character each: OpenCC t2s on single characters.\n"
    path.write_text(header + "".join(f"{t}\t{s}\n" for t, s in pairs), encoding="utf-8")
    log.info("wrote %d pairs to %s", len(pairs), path)


if __name__ == "__main__":
    import sys

    logging.basicConfig(level=logging.INFO)
    if sys.argv[1:] == ["--build-t2s"]:
        _write_t2s_table()
