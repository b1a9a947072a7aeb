"""Regex building blocks shared by the grammar modules."""

from __future__ import annotations

import re
from collections.abc import Callable


def _literal_rest(word: str) -> str:
    return re.escape(word[1:])


def by_first_char(ordered_words: list[str], rest_of: Callable[[str], str] = _literal_rest) -> str:
    """An alternation of words, one branch per first character: 个(?:小时|...)|元(?:...).

    It matches exactly what the flat alternation ``word1|word2|...`` in the same order
    matches: a branch can only match where the text has its first character, and each
    group keeps the words' order (longest first, usually). The regex engine then checks a
    few dozen first characters per position instead of trying hundreds of words one by
    one. ``rest_of(word)`` is the regex for the word after its first character.
    """
    groups: dict[str, list[str]] = {}
    for word in ordered_words:
        groups.setdefault(word[0], []).append(rest_of(word))
    return "|".join(re.escape(first) + "(?:" + "|".join(rests) + ")" for first, rests in groups.items())


def tried_only_at(first_chars: str, pattern: str) -> str:
    """``pattern``, tried only where the text has one of ``first_chars``.

    ``first_chars`` must hold every character a match of ``pattern`` can start with (more
    is harmless); then this matches exactly what ``pattern`` matches. It pays off for a
    branch that opens with a lookbehind or a group, which the engine cannot reject by a
    cheap first-character test the way it does a branch that opens with a literal.
    """
    return f"(?=[{re.escape(''.join(sorted(set(first_chars))))}])(?:{pattern})"
