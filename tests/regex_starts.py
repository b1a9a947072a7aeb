"""What a regex can start with: for tests that check a pattern's declared first characters.

Walks the parse tree of Python's own regex parser (`re._parser`), so a test can prove that
a branch tried only at some first characters (a speed gate in the grammar) never misses a
match the full pattern would find.
"""

from __future__ import annotations

import re
from re import _constants as c  # the regex parser's own vocabulary (Python 3.11+)
from re import _parser

_CATEGORIES = {c.CATEGORY_DIGIT: r"\d", c.CATEGORY_SPACE: r"\s", c.CATEGORY_WORD: r"\w"}


def first_chars(pattern: str, universe: str = "") -> tuple[set[str], bool]:
    """(characters a match of `pattern` can start with, can it match empty).

    A class like \\d stands for the characters of `universe` it matches.
    """
    return _starts(list(_parser.parse(pattern)), universe)


def _starts(items: list, universe: str) -> tuple[set[str], bool]:
    chars: set[str] = set()
    for op, arg in items:
        if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
            continue  # zero-width
        if op is c.LITERAL:
            return chars | {chr(arg)}, False
        if op is c.IN:
            for member, value in arg:
                if member is c.LITERAL:
                    chars.add(chr(value))
                elif member is c.RANGE:
                    chars.update(chr(x) for x in range(value[0], value[1] + 1))
                elif member is c.CATEGORY and value in _CATEGORIES:
                    chars.update(ch for ch in universe if re.fullmatch(_CATEGORIES[value], ch))
                else:
                    raise AssertionError(f"first-character class with {member}: extend the test")
            return chars, False
        if op is c.SUBPATTERN:
            sub, empty = _starts(list(arg[3]), universe)
        elif op is c.BRANCH:
            results = [_starts(list(alt), universe) for alt in arg[1]]
            sub, empty = set().union(*(r[0] for r in results)), any(r[1] for r in results)
        elif op is c.GROUPREF_EXISTS:
            results = [_starts(list(alt), universe) if alt is not None else (set(), True) for alt in arg[1:]]
            sub, empty = set().union(*(r[0] for r in results)), any(r[1] for r in results)
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            sub, empty = _starts(list(arg[2]), universe)
            empty = empty or arg[0] == 0
        else:
            raise AssertionError(f"regex op {op} at a pattern start: extend the test")
        chars |= sub
        if not empty:
            return chars, False
    return chars, True


def gate_and_starts(pattern: str, universe: str = "") -> tuple[set[str], set[str], bool]:
    """For a pattern made by `patterns.tried_only_at`: (the characters its leading lookahead
    lets through, the characters a match of the rest can start with, can the rest match empty)."""
    items = list(_parser.parse(pattern))
    (op, arg), rest = items[0], items[1:]
    assert op is c.ASSERT and arg[0] == 1, "not a pattern opening with a lookahead"
    allowed, _ = _starts(list(arg[1]), universe)
    starts, empty = _starts(rest, universe)
    return allowed, starts, empty
