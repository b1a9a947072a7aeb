"""Regex building blocks shared by the grammar modules."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any


def _literal_rest(word: str) -> str:
    return re.escape(word[1:])


def by_first_char(ordered_words: list[str], rest_of: Callable[[str], str] = _literal_rest,
                  glue: Mapping[str, str] | None = None) -> str:
    """An alternation of words, one branch per first character: 个(?:小时|...)|元(?:...).

    It matches exactly what the flat alternation ``word1|word2|...`` in the same order
    matches: a branch can only match where the text has its first character, and each
    group keeps the words' order (longest first, usually). The regex engine then checks a
    few dozen first characters per position instead of trying hundreds of words one by
    one. ``rest_of(word)`` is the regex for the word after its first character.

    ``glue[first]`` holds characters one of which may stand between that first character
    and the rest of each longer word (个多小时, 个半月). It is written once per group,
    个(?:[多余餘半]?(?:小时|月)|), which matches what ``[多余餘半]?`` before each rest
    would: no longer word goes on with a glue character (checked here), so a text can
    match a glued form or a plain one, never both, and each kind keeps the words' order.
    The one-character word, if any, must come last in its group (longest first does that).
    Written once, the class is compiled once: each class of CJK characters costs the
    regex compiler ~0.3 ms, paid by every process.
    """
    groups: dict[str, list[str]] = {}
    for word in ordered_words:
        groups.setdefault(word[0], []).append(word)
    return "|".join(re.escape(first) + "(?:" + _group(words, rest_of, (glue or {}).get(first, "")) + ")"
                    for first, words in groups.items())


def _group(words: list[str], rest_of: Callable[[str], str], glue: str) -> str:
    if not glue:
        return "|".join(rest_of(word) for word in words)
    longer = [word for word in words if len(word) > 1]
    if words[: len(longer)] != longer:
        raise ValueError(f"a glued group must end with its one-character word: {words}")
    if any(word[1] in glue for word in longer):
        raise ValueError(f"a word goes on with a glue character {glue!r}: {words}")
    single = [rest_of(word) for word in words[len(longer) :]]
    if not longer:
        return "|".join(single)
    return "|".join([f"[{re.escape(glue)}]?(?:" + "|".join(rest_of(word) for word in longer) + ")", *single])


def _class_of(chars: str) -> str:
    """A character class of ``chars`` (each once, escaped, in a stable order)."""
    return f"[{re.escape(''.join(sorted(set(chars))))}]"


def tried_only_at(first_chars: str, pattern: str) -> str:
    """``pattern``, tried only where the text has one of ``first_chars``.

    ``first_chars`` must hold every character a match of ``pattern`` can start with (more
    is harmless); then this matches exactly what ``pattern`` matches. It pays off for a
    branch that opens with a lookbehind or a group, which the engine cannot reject by a
    cheap first-character test the way it does a branch that opens with a literal.
    """
    return f"(?={_class_of(first_chars)})(?:{pattern})"


def scanned_from_first_chars(first_chars: str, name: str, pattern: str) -> str:
    """``pattern`` as group ``name`` of a regex whose search skips to ``first_chars`` without
    a match attempt at every other place.

    The regex engine skips ahead in a tight loop only for a regex that opens with a
    character (or a class of them); one that opens with a lookahead, as `tried_only_at`
    writes it, costs a match attempt at every character. This regex reads one character of
    ``first_chars``, looks back to it and matches ``pattern`` from there in a lookahead: the
    same matches with the same groups, leftmost first, in group ``name``. The match itself
    is only that first character: a scan goes on from ``m.end(name)``, not ``m.end()``.
    ``first_chars`` must hold every character a match can start with; ``pattern`` must not
    refer back to its own groups (a lookbehind cannot).
    """
    # looking back: any character (the one just read), which costs no second class to compile
    return rf"{_class_of(first_chars)}(?<=(?=(?P<{name}>{pattern}))[\s\S])"


# an escaped character, a character class (where parentheses are members), or a parenthesis
_PAREN_TOKENS = re.compile(r"\\.|\[\^?\]?(?:\\.|[^\]\\])*\]|[()]")


def optionals_as_branches(pattern: str) -> str:
    """``pattern`` with every greedy optional group ``(X)?`` written ``(?:(X)|)``.

    Both try X first, backtrack into X, then match empty: the same matches, the same
    groups. But the regex engine runs a ``?`` on a group holding a capture through its
    general repeat machinery (which saves and restores every capture mark), and an
    alternation with an empty branch without it: ~25% less work per number for the figure
    regex, which has dozens of such groups. Lookarounds are left alone.
    """
    opens: list[int] = []
    optional: list[tuple[int, int]] = []  # (open, close) of each group followed by a greedy ?
    for token in _PAREN_TOKENS.finditer(pattern):
        if token.group() == "(":
            opens.append(token.start())
        elif token.group() == ")":
            start, close = opens.pop(), token.start()
            if pattern.startswith("?", close + 1) and not pattern.startswith(("??", "?+"), close + 1) \
                    and not pattern.startswith(("(?=", "(?!", "(?<=", "(?<!"), start):
                optional.append((start, close))
    # (offset, text inserted there, characters it replaces): the ? goes, "|)" takes its place
    edits = sorted([(start, "(?:", 0) for start, _ in optional] + [(close + 1, "|)", 1) for _, close in optional])
    pieces, copied = [], 0
    for at, text, replaced in edits:
        pieces += (pattern[copied:at], text)
        copied = at + replaced
    return "".join(pieces) + pattern[copied:]


def groups_getter(regex: re.Pattern[str], *names: str) -> itemgetter[Any]:
    """The named groups of a match of ``regex``, taken from its ``groups()`` by position
    (group i is item i - 1): a tuple of them, or the one group when one name is given.

    ``m.group(*names)`` looks every name up and costs ~3x as much as one ``m.groups()``
    and this; for a regex with many groups that is a fifth of reading a match.
    """
    return itemgetter(*(regex.groupindex[name] - 1 for name in names))
