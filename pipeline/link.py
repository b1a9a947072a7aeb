"""Link stage: what each figure measures, whom it belongs to, and whether it is a change.

Works on one sentence's normalised text and the figures the grammar found in it:

- measure: the thing measured, a literal substring. Counts take the noun after the
  classifier (``24个村`` -> 村); money, percents and areas take the phrase before the
  figure with the linking words stripped (``诉调成功率达到42.13%`` -> 诉调成功率).
- subject: the nearest owner named before the figure in the same sentence: an entity
  from ``doc.ents`` (ORG / GPE / LOC / PERSON) or from rules (organisation suffixes, the
  gazetteer of administrative divisions, township / village / zone suffixes), or an
  anaphor (该乡, 全市 ...) resolved through :class:`LinkContext`.
- change: a change verb right before the figure (同比增长55%, 下降了20%), its direction
  and the comparison basis written in the same clause.

Everything here is rules over characters: the blank pipeline has no tokens worth using,
and the figure grammar already works on characters.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import pairwise
from operator import attrgetter
from typing import Any, Literal

from pipeline.resources import data_path, load_lines, load_toml
from schemas.records import Figure, construct_valid

EntityKind = Literal["place", "org", "person", "anaphor"]
_START = attrgetter("start")  # the sort key of entities and figures: text order

# Characters that end a clause: the measure and the subject never cross them.
_CLAUSE_BREAKS = frozenset("，,；;：:。！？!?\n\r")
# An enumeration comma also ends a measure phrase (5个综合公园、20个社区公园).
_PHRASE_BREAKS = _CLAUSE_BREAKS | frozenset("、")
_QUOTES = "“”\"'‘’「」『』《》〈〉"
_QUOTES_SPACES = _QUOTES + " "
_QUOTES_SPACES_COMMAS = _QUOTES + " ，,"
# Single characters that cannot be inside a name: function words and particles.
_NAME_STOP_CHARS = "的在于由对与和及是为将把被向从让使经据了、等也都已还又就即有并且或着过"
_NAME_STOPS = frozenset(_NAME_STOP_CHARS)
# Multi-character words a name never starts with: a verb or preposition before it.
_NAME_STOP_WORDS = (
    "位于", "根据", "依托", "通过", "按照", "协同", "联合", "吸引", "确定", "引进", "帮助", "支持",
    "打造", "建设", "成立", "组建", "整合", "推动", "推进", "加快", "实施", "完成", "开展", "启动",
    "牵头", "指导", "督促", "要求", "组织", "召开", "举办", "参加", "来到", "前往", "走进", "深入",
    "成功", "正式", "目前", "近日", "日前", "同时", "今年", "去年", "截至", "其中", "作为", "以及",
)
# _name_start asks once per character whether a stop word ends there: as a character pair
_NAME_STOP_PAIRS = frozenset(_NAME_STOP_WORDS)
# their second characters: a character none of them ends with needs no pair slice (a new
# string per character) and look-up
_NAME_STOP_WORD_LASTS = frozenset(word[1] for word in _NAME_STOP_WORDS)
if any(len(word) != 2 for word in _NAME_STOP_WORDS):
    raise ValueError("_NAME_STOP_WORDS are looked up as character pairs: two characters each")
# Words after a weak organisation suffix that show it was part of another word (中心城区).
_WEAK_SUFFIX_BLOCKERS = ("城", "区", "点", "线", "任务", "工作", "环节", "位置", "地位", "思想", "面")
# Organisation-like strings that are common words, not names.
_ORG_DENY_ENDINGS = ("布局", "格局", "大局", "全局", "结局", "开局", "当局", "时局", "破局", "新局")
# First characters / words of a candidate place name that make it generic (每个行政村).
_PLACE_DENY_PREFIXES = (
    "某", "每", "各", "该", "本", "全", "这", "那", "此", "我", "俺", "一", "两", "几", "多", "个",
    "行政", "自然", "帮扶", "贫困", "试点", "示范", "重点", "美丽", "文明", "中心", "周边", "所在",
    "城", "农", "乡", "山", "下辖", "辖", "所", "其", "附近", "当地", "邻近", "偏远", "特色",
)
# Characters right after 乡 / 镇 / 村 that make a common word rather than a place (乡村, 村民).
_SMALL_PLACE_BLOCKERS = frozenset("村民庄级集委组容内里镇亲土愁贤情音间道野")
_SMALL_PLACE_SUFFIXES = frozenset(["乡", "镇", "村", "街道", "社区"])
_PLACE_LEVEL_BY_SUFFIX = (
    ("自治区", "region"), ("特别行政区", "province"), ("省", "province"),
    ("自治州", "city"), ("地区", "city"), ("盟", "city"), ("市", "city"),
    ("自治县", "county"), ("县", "county"), ("旗", "county"),
    ("街道", "town"), ("乡", "town"), ("镇", "town"),
    ("社区", "village"), ("村", "village"),
    ("区", "district"),
)
# _level_of looks the suffixes up longest first: the same answer as the first match in the
# order above, as no suffix there is preceded by a shorter one it ends with (tested)
_PLACE_LEVEL_OF_SUFFIX = dict(_PLACE_LEVEL_BY_SUFFIX)
_PLACE_SUFFIX_LENGTHS = tuple(sorted({len(s) for s in _PLACE_LEVEL_OF_SUFFIX}, reverse=True))
_MAX_ORG_NAME = 18
_MAX_MEASURE = 16
_PERSON_LABELS = frozenset(["PERSON", "PER"])
_PLACE_LABELS = frozenset(["GPE", "LOC"])
_ORG_LABELS = frozenset(["ORG"])
_OWNER_LABELS = _PERSON_LABELS | _PLACE_LABELS | _ORG_LABELS


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


# --------------------------------------------------------------------------- vocabulary


# no __eq__ or __repr__: one instance per process, never compared or printed, and
# generating them for ~60 fields costs every process ~2 ms at import
@dataclass(frozen=True, eq=False, repr=False)
class _Vocab:
    """Everything read from data/, compiled once per process."""

    gazetteer: dict[str, tuple[str, str]]  # surface -> (full name, level)
    gazetteer_max: int
    # first two characters -> lengths of the names starting with them, longest first
    gazetteer_lengths: dict[str, tuple[int, ...]]
    gazetteer_start_re: re.Pattern[str]  # a position where a name of 2+ characters may start
    place_suffixes: tuple[str, ...]  # longest first
    suffix_place_keys: frozenset[str]  # the keys a place found by its suffix writes
    org_keys: frozenset[str]  # the keys an organisation writes: its kinds (_org_kind)
    org_strong: tuple[str, ...]
    org_weak: tuple[str, ...]
    org_after_place: tuple[str, ...]
    org_suffix_re: re.Pattern[str]
    place_suffix_re: re.Pattern[str]
    measures: frozenset[str]
    measure_max: int
    long_measures: tuple[str, ...]  # the measures of two or more characters
    # Below, *_firsts / *_lasts / *_heads: the first or last characters, or first two, of a
    # word list. A set lookup rules out most phrases before a startswith / endswith over
    # the whole list (which costs about a microsecond for a list of a hundred words)
    long_measure_heads: frozenset[str]
    connectors: tuple[str, ...]  # longest first
    connector_set: frozenset[str]
    connector_lengths: tuple[int, ...]  # longest first
    connector_lasts: frozenset[str]
    openers: tuple[str, ...]
    opener_set: frozenset[str]
    opener_lengths: tuple[int, ...]  # longest first
    opener_firsts: frozenset[str]
    anaphor_re: re.Pattern[str]
    anaphor_levels: dict[str, str]
    verb_re: re.Pattern[str]  # change verb at the end of the text before a figure
    # how a verb_re match can end: with one of these characters (a verb, rate noun or short
    # verb, 了, or a newline, before which $ matches too), or a rate noun and its linker
    # (增幅达): any other ending rules a match out
    verb_last_chars: frozenset[str]
    rate_linked: tuple[str, ...]
    rate_linked_lasts: frozenset[str]  # their last characters: a set lookup before the endswith
    # verb_last_chars | rate_linked_lasts: a phrase ending otherwise has no change verb at its
    # end, told by one set lookup where the caller would otherwise call _change_verb_at_end
    verb_end_chars: frozenset[str]
    verb_direction: dict[str, str]
    basis_re: re.Pattern[str]
    basis_end_re: re.Pattern[str]  # a basis at the end of a phrase
    basis_last_chars: frozenset[str]  # how a basis can end (data, tested): gates basis_end_re
    self_change: tuple[str, ...]
    self_change_re: re.Pattern[str]
    opener_res: tuple[re.Pattern[str], ...]
    # matches where one of opener_res does (None if they cannot be joined): one test
    # rules out the phrases none of them opens, instead of three
    any_opener_re: re.Pattern[str] | None
    measure_verbs: tuple[str, ...]  # longest first
    measure_verb_set: frozenset[str]
    measure_verb_lengths: tuple[int, ...]  # longest first
    measure_verb_firsts: frozenset[str]
    measure_verb_blockers: frozenset[str]
    phrase_verbs: tuple[str, ...]  # connectors and change verbs of two or more characters
    phrase_verb_heads: frozenset[str]
    non_measures: frozenset[str]  # words that are never a measure by themselves
    org_kinds: tuple[tuple[str, str], ...]  # (name ending, kind), longest ending first
    org_suffixes: tuple[str, ...]
    source_after_re: re.Pattern[str]
    source_before: tuple[str, ...]
    source_before_deny: tuple[str, ...]
    venue_before: tuple[str, ...]
    venue_after_re: re.Pattern[str]
    scope_re: re.Pattern[str]
    scope_firsts: str


def _lengths_of(words: tuple[str, ...]) -> tuple[int, ...]:
    """The distinct lengths of ``words``, longest first: a longest-match lookup at a phrase's
    start or end slices once per length and asks a set, instead of a startswith per word."""
    return tuple(sorted({len(w) for w in words}, reverse=True))


# what links a rate noun to its figure: 增幅达5%, 降幅为3%
_RATE_LINKERS = ("为", "达到", "达", "是")


def _firsts(words: Iterable[str]) -> str:
    """The distinct first characters of ``words``, in a fixed order: what _holds_any looks for."""
    return "".join(sorted({w[0] for w in words if w}))


def _holds_any(text: str, chars: str) -> bool:
    """True when one of ``chars`` occurs in ``text``. A gate before a regex search whose
    matches all start with one of them: a substring test costs a few instructions a
    character, a regex search ~50 (and ~700 to start), and most sentences hold none."""
    for ch in chars:
        if ch in text:
            return True
    return False


def _alternation(words: list[str] | tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


def _lengths_by_bigram(names: Iterable[str]) -> dict[str, tuple[int, ...]]:
    """First two characters -> the lengths of the names (two or more characters) they start."""
    lengths: dict[str, set[int]] = {}
    for name in names:
        if len(name) >= 2:
            lengths.setdefault(name[:2], set()).add(len(name))
    return {bigram: tuple(sorted(ls, reverse=True)) for bigram, ls in lengths.items()}


def _bigram_start_re(names: Iterable[str]) -> re.Pattern[str]:
    """Matches a character that, with the next one, could open one of ``names``.

    The match is that one character, not a lookahead for both: a pattern opening with a
    character class lets sre skip ahead to the next candidate in C; each position is
    still tried, the next search starting right after the one-character match."""
    bigrams = [name[:2] for name in names if len(name) >= 2]
    firsts = "".join(sorted({b[0] for b in bigrams}))
    seconds = "".join(sorted({b[1] for b in bigrams}))
    return re.compile(f"[{re.escape(firsts)}](?=[{re.escape(seconds)}])")


@dataclass(frozen=True)
class _NameIndex:
    """Names to find anywhere in a text, matched like the gazetteer: a pattern for the
    positions whose two characters may open a name, then the name lengths of that bigram."""

    names: frozenset[str]
    lengths: dict[str, tuple[int, ...]]  # first two characters -> lengths, longest first
    start_re: re.Pattern[str]

    @classmethod
    def of(cls, names: set[str]) -> _NameIndex:
        names = {name for name in names if len(name) >= 2}
        return cls(frozenset(names), _lengths_by_bigram(names), _bigram_start_re(names))

    def occurs_in(self, text: str) -> bool:
        """True when one of the names is a substring of ``text`` (overlapping ones too)."""
        for candidate in self.start_re.finditer(text):
            i = candidate.start()
            for length in self.lengths.get(text[i : i + 2], ()):
                if text[i : i + length] in self.names:
                    return True
        return False


def _level_of(name: str) -> str:
    """The level of a place by its suffix: one dict lookup per suffix length, not an endswith
    per suffix (the gazetteer's ~3,200 names are levelled at start-up)."""
    for length in _PLACE_SUFFIX_LENGTHS:
        level = _PLACE_LEVEL_OF_SUFFIX.get(name[-length:])
        if level is not None:
            return level
    return "district"  # zones: 开发区, 高新区, 示范区 ...


def _load_gazetteer(deny: frozenset[str]) -> dict[str, tuple[str, str]]:
    """Full names and the usual short forms (河南, 新乡, 辉县) -> (full name, level)."""
    gaz: dict[str, tuple[str, str]] = {}
    short: dict[str, tuple[str, str]] = {}
    for line in data_path("admin_divisions.tsv").read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        _code, name, table_level = line.split("\t")
        level = _gazetteer_level(name, table_level)
        if name not in deny:
            gaz.setdefault(name, (name, level))
        stem = _short_form(name, table_level)
        if stem and len(stem) >= 2 and stem not in deny:
            short.setdefault(stem, (name, level))
    for stem, value in short.items():
        gaz.setdefault(stem, value)  # a full name always wins over someone's short form
    return gaz


def _gazetteer_level(name: str, table_level: str) -> str:
    """The anaphor level a listed division answers to, from the table's level column."""
    if table_level == "province":
        # municipalities are what 全市 / 该市 mean (北京市), never 全省; an autonomous
        # region is 全省 or 全区 (广西壮族自治区)
        return "city" if name.endswith("市") else _level_of(name)
    if table_level == "prefecture":
        return "city"
    # county level: a county-level city (辉县市) is both 该县 and 该市; 区 is a district
    return "county_city" if name.endswith("市") else _level_of(name)


# the anaphor levels a place of a double-duty level answers to (see _fits)
_LEVEL_KEYS = {"county_city": ("city", "county"), "region": ("province", "district")}


def _fits(level: str | None, wanted: str) -> bool:
    """True when a place of ``level`` can be what an anaphor of ``wanted`` level means."""
    return (level == wanted or (level == "county_city" and wanted in ("city", "county"))
            or (level == "region" and wanted in ("province", "district")))


def _short_form(name: str, table_level: str) -> str | None:
    if table_level == "province":
        for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return None
    if table_level == "prefecture":
        for suffix in ("市", "地区", "盟"):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                return name[: -len(suffix)]
        return None
    # counties: only county-level cities (辉县市 -> 辉县). Plain counties (公安县, 新安县) and
    # districts (和平区, 新华区) shorten to everyday words
    if name.endswith("市") and len(name) >= 3:
        return name[:-1]
    return None


@cache
def _names_of_key(key: str) -> _NameIndex | None:
    """An index of the gazetteer names whose level writes memory ``key`` (see _may_name);
    None when none does. Built on first use: a run asks for few keys (全市: city), and
    each index (a regex of a thousand characters or more) costs milliseconds to build."""
    names = {name for name, (_full, level) in _vocab().gazetteer.items()
             if key in _LEVEL_KEYS.get(level, (level,))}
    return _NameIndex.of(names) if names else None


def _any_of(patterns: list[str]) -> re.Pattern[str] | None:
    """One pattern that matches at a position where one of ``patterns`` does; None when
    they cannot be joined that way (a capturing group could be referred back to by number,
    and would be renumbered; a global flag must open the whole pattern)."""
    if any(re.compile(p).groups for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns))
    except re.error:
        return None


def _sections(lines: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    current = "strong"
    for line in lines:
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        out.setdefault(current, []).append(line)
    return out


@cache
def _vocab() -> _Vocab:
    words = load_toml("link_words.toml")
    gaz = _load_gazetteer(frozenset(words["gazetteer"]["short_form_deny"]))
    orgs = _sections(load_lines("org_suffixes.txt"))
    place_suffixes = tuple(sorted(set(load_lines("place_suffixes.txt")), key=len, reverse=True))
    measures = frozenset(load_lines("measures.txt"))
    change = load_toml("change_words.toml")

    verb_direction: dict[str, str] = {}
    for direction in ("up", "down"):
        for verb in change["verbs"][direction]:
            verb_direction[verb] = direction
        for noun in change["rate_nouns"][direction]:
            verb_direction[noun] = direction
    basis = "|".join(f"(?:{p})" for p in change["basis"]["patterns"])
    short_verbs = {v: d for d in ("up", "down") for v in change["short_verbs"][d]}
    verb_direction.update(short_verbs)
    # a verb (or rate noun + linking verb), optional 了, at the very end of the prefix;
    # single-character verbs only right after a basis (同比增12%, 比上年多3个)
    verb_re = re.compile(
        rf"(?:(?P<verb>{_alternation(list(change['verbs']['up']) + list(change['verbs']['down']))})了?"
        rf"|(?P<rate>{_alternation(list(change['rate_nouns']['up']) + list(change['rate_nouns']['down']))})"
        rf"(?:{'|'.join(_RATE_LINKERS)})?"
        rf"|(?:{basis})(?P<short>{_alternation(list(short_verbs))})了?)$"
    )
    anaphora = words["anaphora"]
    measure_verbs = tuple(sorted(set(load_lines("measure_verbs.txt")), key=len, reverse=True))
    connectors = tuple(sorted(set(words["connectors"]), key=len, reverse=True))
    openers = tuple(sorted(set(words["openers"]), key=len, reverse=True))
    all_org_suffixes = orgs.get("strong", []) + orgs.get("weak", []) + orgs.get("after_place", [])
    org_kinds = sorted(((end, kind) for kind, ends in words["org_kinds"].items() for end in ends),
                       key=lambda p: len(p[0]), reverse=True)
    sources, venue = words["sources"], words["venue"]
    change_words = [w for d in ("up", "down") for w in change["verbs"][d] + change["short_verbs"][d]]
    anaphor_re = re.compile(
        rf"(?:{_alternation(anaphora['prefixes'])})(?P<head>{_alternation(list(anaphora['levels']))})"
    )
    verb_last_chars = frozenset([w[-1] for w in verb_direction] + ["了", "\n"])
    rate_linked_lasts = frozenset(linker[-1] for linker in _RATE_LINKERS)
    return _Vocab(
        gazetteer=gaz,
        gazetteer_max=max(len(k) for k in gaz),
        gazetteer_lengths=_lengths_by_bigram(gaz),
        gazetteer_start_re=_bigram_start_re(gaz),
        place_suffixes=place_suffixes,
        suffix_place_keys=frozenset(
            key for suffix in place_suffixes for key in _LEVEL_KEYS.get(_level_of(suffix), (_level_of(suffix),))),
        org_keys=frozenset([kind for _ending, kind in org_kinds] + ["company"]),
        org_strong=tuple(orgs.get("strong", [])),
        org_weak=tuple(orgs.get("weak", [])),
        org_after_place=tuple(orgs.get("after_place", [])),
        org_suffix_re=re.compile(_alternation(orgs.get("strong", []) + orgs.get("weak", []) + orgs.get("after_place", []))),
        place_suffix_re=re.compile(_alternation(place_suffixes)),
        measures=measures,
        measure_max=max(len(m) for m in measures),
        long_measures=tuple(m for m in measures if len(m) >= 2),
        long_measure_heads=frozenset(m[:2] for m in measures if len(m) >= 2),
        connectors=connectors,
        connector_set=frozenset(connectors),
        connector_lengths=_lengths_of(connectors),
        connector_lasts=frozenset(w[-1] for w in connectors),
        openers=openers,
        opener_set=frozenset(openers),
        opener_lengths=_lengths_of(openers),
        opener_firsts=frozenset(w[0] for w in openers),
        anaphor_re=anaphor_re,
        anaphor_levels=dict(anaphora["levels"]),
        verb_re=verb_re,
        verb_last_chars=verb_last_chars,
        rate_linked=tuple(noun + linker for d in ("up", "down") for noun in change["rate_nouns"][d]
                          for linker in _RATE_LINKERS),
        rate_linked_lasts=rate_linked_lasts,
        verb_end_chars=verb_last_chars | rate_linked_lasts,
        verb_direction=verb_direction,
        basis_re=re.compile(basis),
        basis_end_re=re.compile(f"(?:{basis})$"),
        basis_last_chars=frozenset(change["basis"]["last_chars"]),
        self_change=tuple(change["self_change"]["up"]),
        self_change_re=re.compile(_alternation(change["self_change"]["up"])),
        opener_res=tuple(re.compile(p) for p in words["opener_patterns"]),
        any_opener_re=_any_of(words["opener_patterns"]),
        measure_verbs=measure_verbs,
        measure_verb_set=frozenset(measure_verbs),
        measure_verb_lengths=_lengths_of(measure_verbs),
        measure_verb_firsts=frozenset(w[0] for w in measure_verbs),
        measure_verb_blockers=frozenset(words["measure_verb_blockers"]),
        phrase_verbs=tuple(w for w in words["connectors"] + change_words if len(w) >= 2),
        phrase_verb_heads=frozenset(w[:2] for w in words["connectors"] + change_words if len(w) >= 2),
        non_measures=frozenset(words["non_measures"] + words["connectors"] + list(measure_verbs) + change_words),
        org_kinds=tuple(org_kinds),
        org_suffixes=tuple(sorted(set(all_org_suffixes), key=len, reverse=True)),
        source_after_re=re.compile(
            rf"[^，,；;：:。！？!?]{{0,{sources['max_gap']}}}?(?:{_alternation(sources['verbs_after'])})"
            rf"(?![{''.join(sources['not_verb_when_followed_by'])}])"),
        source_before=tuple(sources["words_before"]),
        source_before_deny=tuple(sources["words_before_deny"]),
        venue_before=tuple(venue["before"]),
        venue_after_re=re.compile(rf"[\u4e00-\u9fff]{{0,{venue['max_gap']}}}?(?:{_alternation(venue['verbs_after'])})"),
        scope_re=re.compile(_alternation(words["scope_words"])),
        scope_firsts=_firsts(words["scope_words"]),
    )


# --------------------------------------------------------------------------- entities


@dataclass(slots=True)
class Entity:
    """A name found in a sentence; never changed once built (_renamed and _with_role make
    new ones). Not frozen: about twelve thousand are built per 10x corpus, and a frozen
    dataclass's ``__init__`` sets each field through ``object.__setattr__`` (four times
    the cost); slots make the many field reads the fastest attribute access there is."""

    start: int
    end: int
    kind: EntityKind
    level: str | None  # place level (province/city/county/county_city/district/town/village) or "org"
    # as referred to: the surface, or for an anaphor the name it resolves to; None for an
    # anaphor that resolves to nothing and for scope words (全国): they still stand
    # between a figure and an earlier name, so the figure gets no subject
    name: str | None
    # owner | source (国家统计局…发布) | venue (在北京开幕) | scope (全国)
    role: str = "owner"

    @property
    def length(self) -> int:
        return self.end - self.start


def _renamed(ent: Entity, name: str | None) -> Entity:
    """``dataclasses.replace(ent, name=name)``, without its generic field walk (hot path)."""
    return Entity(ent.start, ent.end, ent.kind, ent.level, name, ent.role)


def _with_role(ent: Entity, role: str) -> Entity:
    """``dataclasses.replace(ent, role=role)``, without its generic field walk (hot path)."""
    return Entity(ent.start, ent.end, ent.kind, ent.level, ent.name, role)


def _name_start(text: str, end: int, limit: int, floor: int = 0) -> int:
    """Leftmost start of a name ending at ``end``: CJK run, no function words, ≤ limit chars.

    Returns ``end - n`` where the run stops at a non-CJK character, a stop character, a stop
    word, or ``floor`` (the end of the previous entity or figure).
    """
    i = end
    while i > floor and end - i < limit:
        ch = text[i - 1]
        if not "\u4e00" <= ch <= "\u9fff" or ch in _NAME_STOPS:  # _is_cjk, inline: per character
            break
        # text.endswith(_NAME_STOP_WORDS, floor, i), as one set lookup
        if (ch in _NAME_STOP_WORD_LASTS and i - 2 >= floor and text[i - 2 : i] in _NAME_STOP_PAIRS
                and not _vocab().org_suffix_re.match(text, i)):
            break  # 中国建设银行: a stop word right before the suffix is part of the name
        i -= 1
    return i


def _bounded(text: str, start: int, floor: int) -> bool:
    """True when the name at ``start`` is preceded by a clear edge, not cut off mid-phrase."""
    if start <= floor:
        return True
    ch = text[start - 1]
    # text.endswith(_NAME_STOP_WORDS, 0, start), as one set lookup
    return not _is_cjk(ch) or ch in _NAME_STOPS or (start >= 2 and text[start - 2 : start] in _NAME_STOP_PAIRS)


def _gazetteer_places(text: str, vocab: _Vocab) -> list[Entity]:
    """Leftmost-longest dictionary match of administrative division names."""
    # A character-class regex finds the positions where a name could start (first and
    # second character both possible); only there are the lengths of the names with that
    # bigram tried, longest first. (One regex alternation of the 3,700 names is ten times
    # slower: sre tries each branch in turn.)
    gazetteer, lengths_at = vocab.gazetteer, vocab.gazetteer_lengths
    found: list[Entity] = []
    matched_to = 0  # matches do not overlap: resume after the last one
    for candidate in vocab.gazetteer_start_re.finditer(text):
        i = candidate.start()
        # most candidates are no name's first two characters (万元, 资金): one lookup rules
        # them out, without an iteration over an empty tuple
        lengths = lengths_at.get(text[i : i + 2])
        if lengths is None or i < matched_to:
            continue
        for length in lengths:
            name = text[i : i + length]
            if len(name) == length and name in gazetteer:
                found.append(Entity(i, i + length, "place", gazetteer[name][1], name))
                matched_to = i + length
                break
    return found


@lru_cache(maxsize=16)
def _gazetteer_places_of(text: str) -> tuple[Entity, ...]:
    """The gazetteer matches of a sentence, remembered: ``observe`` and ``link_figures``
    scan the same sentence one after the other, and the matches do not depend on figures."""
    return tuple(_gazetteer_places(text, _vocab()))


def _suffix_places(text: str, vocab: _Vocab, known: list[Entity], blocked: list[tuple[int, int]],
                   first: int = 0) -> list[Entity]:
    """Townships, villages, streets and zones: a short name before 乡/镇/村/开发区 ...

    ``first``: no suffix starts before it (where the caller's search found the first one)."""
    ends = {e.end for e in known}
    out: list[Entity] = []
    for m in vocab.place_suffix_re.finditer(text, first):
        s, e, suffix = m.start(), m.end(), m.group()
        if _overlaps_any(s, e, blocked):
            continue
        small = suffix in _SMALL_PLACE_SUFFIXES
        if small and e < len(text) and text[e] in _SMALL_PLACE_BLOCKERS:
            continue
        floor = max([x for x in ends if x <= s], default=0)
        start = _name_start(text, s, 4 if small else 8, floor)
        if small and start < s - 2 and not _bounded(text, start, floor):
            start = s - 2  # an unbounded run: most township / village names have two characters
        name = text[start:s]
        chained = start == floor and floor in ends
        # a zone may stand alone (高新区发展量…) or follow a place (辉县 + 经济技术开发区)
        zone_ok = not small and (chained or (not name and _bounded(text, s, floor)))
        if len(name) < 2 and not zone_ok:
            continue
        if name.startswith(_PLACE_DENY_PREFIXES) or (small and name[-1:] in ("乡", "城", "农")):
            continue
        out.append(Entity(start, e, "place", _level_of(suffix), text[start:e]))
    return out


# a branch in brackets after an organisation's name: (分部)
_BRANCH_IN_BRACKETS = re.compile(r"[（(][\u4e00-\u9fff]{1,6}[）)]")


def _rule_orgs(text: str, vocab: _Vocab, places: list[Entity], floors: list[int], first: int = 0) -> list[Entity]:
    """Organisations by suffix: 河南钜盛先导新材料科技有限公司, 新乡县市场监管局, 新乡移动.

    ``floors``, in ascending order: positions a name does not reach back across.
    ``first``: no suffix starts before it (where the caller's search found the first one)."""
    out: list[Entity] = []
    place_ends = {p.end: p for p in places}
    last_end = 0
    for m in vocab.org_suffix_re.finditer(text, first):
        s, e, suffix = m.start(), m.end(), m.group()
        if s < last_end:
            continue
        below = bisect_right(floors, s)  # floors[below - 1] is the last floor at or before s
        floor = max(floors[below - 1], last_end) if below else last_end
        if suffix in vocab.org_after_place:
            place = place_ends.get(s)
            if place is None:
                continue
            start = place.start
        else:
            start = _name_start(text, s, _MAX_ORG_NAME, floor)
            if s - start < 2:
                continue
            if suffix in vocab.org_weak and (
                not _bounded(text, start, floor) or text.startswith(_WEAK_SUFFIX_BLOCKERS, e)
            ):
                continue
        # 集团 + 股份有限公司: one name
        while (more := vocab.org_suffix_re.match(text, e)) and more.group() in vocab.org_strong:
            e = more.end()
        if out and out[-1].end == start and start == last_end:
            start = out.pop().start  # 中国建设银行 + 河南省分行: an organisation and its branch
        name = text[start:e]
        if name.endswith(_ORG_DENY_ENDINGS):
            continue
        # a branch in brackets belongs to the name: 河南前进铸钢有限公司(分部)
        paren = _BRANCH_IN_BRACKETS.match(text, e)
        if paren:
            e = paren.end()
        out.append(Entity(start, e, "org", "org", text[start:e]))
        last_end = e
    return out


def _place_level(name: str) -> str:
    hit = _vocab().gazetteer.get(name)
    return hit[1] if hit else _level_of(name)


def _ner_entities(doc: Any | None) -> list[Entity]:
    if doc is None:
        return []
    out: list[Entity] = []
    for ent in getattr(doc, "ents", ()):
        label = ent.label_
        if label not in _OWNER_LABELS:
            continue  # DATE, MONEY ...: no owner, and no Span.text to build (a Token per character)
        name = ent.text  # read once: each read joins the span's tokens again
        if len(name) < 2:
            continue  # 豫, 京: abbreviations inside words (返新入豫), not owners
        if label in _PERSON_LABELS:
            out.append(Entity(ent.start_char, ent.end_char, "person", None, name))
        elif label in _ORG_LABELS:
            out.append(Entity(ent.start_char, ent.end_char, "org", "org", name))
        elif not name.startswith(_PLACE_DENY_PREFIXES):  # a place label
            out.append(Entity(ent.start_char, ent.end_char, "place", _place_level(name), name))
    return out


def _chain_places(entities: list[Entity], text: str) -> list[Entity]:
    """Adjacent places form one name (获嘉县 + 位庄乡); a place right before an org is its prefix."""
    if len(entities) < 2:
        return list(entities)  # most sentences name one owner or none: nothing to chain
    out: list[Entity] = []
    for ent in sorted(entities, key=_START):
        prev = out[-1] if out else None
        if prev is not None and prev.kind == "place" and ent.kind in ("place", "org") and prev.end == ent.start:
            out[-1] = Entity(prev.start, ent.end, ent.kind, ent.level, text[prev.start : ent.end])
        else:
            out.append(ent)
    return out


# a project name right after an owner (...有限公司 + 新材料项目), within 12 characters
_PROJECT_AFTER = re.compile(r"[\u4e00-\u9fff]{0,10}?(?:项目|工程)")


def _with_projects(entities: list[Entity], text: str) -> list[Entity]:
    """An owner followed by a project name is the project: ...有限公司新材料项目."""
    if "项目" not in text and "工程" not in text:
        return list(entities)  # most sentences name no project: no match to try per entity
    out: list[Entity] = []
    for ent in entities:
        m = _PROJECT_AFTER.match(text, ent.end, ent.end + 12)
        if m and ent.kind in ("org", "place") and not any(ch in _NAME_STOPS for ch in m.group()):
            ent = Entity(ent.start, m.end(), "org", "org", text[ent.start : m.end()])
        out.append(ent)
    return out


def _disjoint(by_start: list[Entity]) -> bool:
    """True when no two of the entities, in text order, overlap (a loop: no generator)."""
    for ent, next_ent in pairwise(by_start):
        if ent.end > next_ent.start:
            return False
    return True


def _drop_nested(entities: list[Entity]) -> list[Entity]:
    """Keep the longest of overlapping entities (the org that contains a place name)."""
    if len(entities) < 2:
        return list(entities)  # most sentences name one owner or none: nothing can overlap
    by_start = sorted(entities, key=_START)
    if _disjoint(by_start):
        return by_start  # the common case, nothing overlaps: all kept, in text order
    kept: list[Entity] = []
    kept_spans: list[tuple[int, int]] = []
    for ent in sorted(entities, key=_longest_first):
        if not _overlaps_any(ent.start, ent.end, kept_spans):
            kept.append(ent)
            kept_spans.append((ent.start, ent.end))
    return sorted(kept, key=_START)


def _longest_first(ent: Entity) -> tuple[int, int]:
    return ent.start - ent.end, ent.start  # (-length, start), without the property call


_QUOTE_OPENERS = "“\"「《"
_QUOTED = re.compile(rf"[{_QUOTE_OPENERS}][^”\"」》]{{1,30}}[”\"」》]")


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    if not _holds_any(text, _QUOTE_OPENERS):  # most sentences quote nothing
        return []
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)]


def find_entities(text: str, doc: Any | None = None, figures: list[Figure] | None = None) -> list[Entity]:
    """Places, organisations and persons named in one sentence, left to right, no overlaps."""
    return _scan(text, doc, [(f.start, f.end) for f in figures or []])[0]


def _scan(text: str, doc: Any | None, figure_spans: list[tuple[int, int]]) -> tuple[list[Entity], list[Entity]]:
    """(entities without overlaps, every place found, nested ones included: 小店镇 in 小店镇党委);
    no name overlaps a figure's span."""
    vocab = _vocab()
    gaz = list(_gazetteer_places_of(text))
    if figure_spans:
        gaz = [g for g in gaz if not _overlaps_any(g.start, g.end, figure_spans)]
    # most sentences hold no place suffix, half no organisation suffix: one search each
    # decides whether the rule's inputs (blocked spans, floors) are built at all
    places = gaz
    if place_suffix := vocab.place_suffix_re.search(text):
        blocked = [(g.start, g.end) for g in gaz] + figure_spans
        places = _chain_places(gaz + _suffix_places(text, vocab, gaz, blocked, place_suffix.start()), text)
    elif len(gaz) > 1:
        places = _chain_places(gaz, text)
    orgs: list[Entity] = []
    if org_suffix := vocab.org_suffix_re.search(text):
        # an anaphor is no part of a name: 该乡党委 is the 该乡 party committee, not an org "该乡党委"
        floors = sorted([fe for _fs, fe in figure_spans] + [m.end() for m in vocab.anaphor_re.finditer(text)])
        orgs = _rule_orgs(text, vocab, places, floors, org_suffix.start())
    ner = _ner_entities(doc)
    entities = _drop_nested(ner + orgs + places)
    entities = _chain_places(entities, text)
    entities = _with_projects(entities, text)
    # names inside quotes are titles of apps, campaigns and slogans, not owners
    quoted = _quoted_spans(text) if entities else None
    if quoted:
        entities = [e for e in entities if not any(qs <= e.start and e.end <= qe for qs, qe in quoted)]
    return entities, places


def _overlaps_any(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """True when [start, end) overlaps one of ``spans`` (a loop: no generator per call)."""
    for span_start, span_end in spans:
        if span_start < end and start < span_end:
            return True
    return False


def _overlaps_entity(start: int, end: int, entities: list[Entity]) -> bool:
    """True when [start, end) overlaps one of ``entities`` (a loop: no generator per call)."""
    for ent in entities:
        if ent.start < end and start < ent.end:
            return True
    return False


# --------------------------------------------------------------------------- roles


def _with_roles(text: str, entities: list[Entity]) -> list[Entity]:
    """Mark reporting sources and venues, and add the scope words (全国) as blockers;
    ``entities`` in text order, as _scan gives them.

    A source (国家统计局15日发布数据显示, 记者从市住建局获悉, 据市统计局统计) reports a
    statistic it does not own; a venue (在北京开幕) hosts an event. Neither owns the figures
    after it, but both still stand between them and any earlier name.
    """
    vocab = _vocab()
    out: list[Entity] = []
    for ent in entities:
        if ent.kind != "anaphor":
            if vocab.source_after_re.match(text, ent.end) or (
                text.endswith(vocab.source_before, 0, ent.start)
                and not text.endswith(vocab.source_before_deny, 0, ent.start)
            ):
                ent = _with_role(ent, "source")
            elif (ent.kind == "place" and text.endswith(vocab.venue_before, 0, ent.start)
                  and vocab.venue_after_re.match(text, ent.end)):
                ent = _with_role(ent, "venue")
        out.append(ent)
    # one search first: most sentences hold no scope word, and the list costs more
    scopes = [Entity(m.start(), m.end(), "anaphor", None, None, role="scope")
              for m in vocab.scope_re.finditer(text)
              if not _overlaps_entity(m.start(), m.end(), entities)] \
        if _holds_any(text, vocab.scope_firsts) and vocab.scope_re.search(text) else []
    # the entities come in text order (_scan): only scope words need sorting in
    return sorted(out + scopes, key=_START) if scopes else out


_BRACKETS_AT_END = re.compile(r"[（(][^）)]*[）)]$")


def _org_kind(name: str) -> str | None:
    """company / bank / bureau: which organisation anaphors (该公司, 该行, 该局) may mean it."""
    vocab = _vocab()
    name = _BRACKETS_AT_END.sub("", name)  # 有限公司(分部)
    for ending, kind in vocab.org_kinds:
        if name.endswith(ending):
            return kind
    # a brand without any organisation suffix (华兰生物) is a company; 政府, 委员会 ... are not
    return None if name.endswith(vocab.org_suffixes) else "company"


# --------------------------------------------------------------------------- context


# one write to the article memory: (level or org kind, name, weak). A weak write fills
# a key nobody has set (setdefault); a strong one overwrites
_Write = tuple[str, str, bool]


@dataclass(frozen=True)
class _Observation:
    """What one sentence tells the article memory. It depends on the sentence alone, so it
    is computed at most once, whenever first needed, and replayed in order from there."""

    entities: list[Entity]  # with roles: the head owner is chosen among them
    writes: tuple[_Write, ...]  # in text order
    continues: bool  # ends at ；or ：: the next sentence keeps this one's topic


def _observation(text: str) -> _Observation:
    entities, places = _scan(text, None, [])
    entities = _with_roles(text, entities)
    # places inside org names count too (小店镇党委 names 小店镇); in text order
    named = [e for e in entities if e.kind != "anaphor"]
    spans = {(e.start, e.end) for e in named}
    nested = [p for p in places if (p.start, p.end) not in spans]
    writes: list[_Write] = []
    for ent in sorted(named + nested, key=lambda e: (e.start, -e.length)):
        writes.extend(_writes_of(ent))
    return _Observation(entities, tuple(writes), text.rstrip().endswith(_CONTINUING_ENDS))


_PROJECT_END = re.compile(r"(?:项目|工程)$")


def _writes_of(ent: Entity) -> list[_Write]:
    """What naming ``ent`` sets in the memory."""
    if ent.name is None:
        return []
    # a venue is a weak antecedent: it fills a level nobody else has named, no more
    weak = ent.role == "venue"
    out: list[_Write] = []
    if ent.kind == "org":
        name = ent.name
        project = _PROJECT_END.search(name)
        if project:  # ...有限公司新材料项目: the company inside is what 该公司 means
            ends = [name.rfind(e) + len(e) for e, k in _vocab().org_kinds if k == "company" and e in name]
            name = name[: max(ends)] if ends else ""
        kind = _org_kind(name) if name else None
        if kind:
            out.append((kind, name, weak))
    elif ent.kind == "place" and ent.level:
        full = _full_name(ent.name)
        for level in _LEVEL_KEYS.get(ent.level, (ent.level,)):
            out.append((level, full, weak))
        # a chain names its county too (获嘉县位庄乡 -> 获嘉县)
        if ent.level == "town" or ent.level == "village":
            head = _vocab().gazetteer.get(_leading_division(ent.name) or "")
            if head:
                for level in _LEVEL_KEYS.get(head[1], (head[1],)):
                    out.append((level, head[0], True))
    return out


def _may_name(text: str, key: str) -> bool:
    """False when ``text`` surely writes nothing under ``key`` to the article memory: a
    test several times cheaper than the observation, whose writes it never misses.

    ``recall_before`` walks back over sentences that name nothing of the level it wants
    (most of an article, for 全省); this lets it skip them without observing them.
    Why nothing is missed: an organisation needs an organisation suffix, or 项目 / 工程
    that makes an owner a project; a place has the level of a gazetteer name written in
    the sentence, or of a township / village / zone suffix; a chain keeps the level of
    its last part, and its head (获嘉县 in 获嘉县位庄乡) is a gazetteer name written in
    the sentence. Observation reads no model entities.
    """
    vocab = _vocab()
    if key in vocab.org_keys and (vocab.org_suffix_re.search(text) or "项目" in text or "工程" in text):
        return True
    if key in vocab.suffix_place_keys and vocab.place_suffix_re.search(text):
        return True
    index = _names_of_key(key)
    return index is not None and index.occurs_in(text)


class _Queued:
    """An observed sentence not yet applied to the state; its observation once computed."""

    __slots__ = ("_may_name", "_observed", "head_topic", "text")

    def __init__(self, text: str) -> None:
        # every sentence of an article is queued, most are never read: no more than needed
        self.text = text
        self._observed: _Observation | None = None
        self._may_name: dict[str, bool] | None = None  # key -> _may_name(text, key), on demand
        # (its head owner,) once computed: the topic it opens (LinkContext._head_topic)
        self.head_topic: tuple[str | None] | None = None

    @property
    def continues(self) -> bool:
        """Ends at ；or ：(the next sentence keeps its topic): read off the text, no scan."""
        return self.text.rstrip().endswith(_CONTINUING_ENDS)

    @property
    def observed(self) -> _Observation:
        if self._observed is None:
            self._observed = _observation(self.text)
        return self._observed

    def may_write(self, key: str) -> bool:
        """False when the sentence surely writes nothing under ``key`` (see _may_name)."""
        if self._observed is not None:
            return True  # already paid for: its writes answer exactly
        if self._may_name is None:
            self._may_name = {}
        may = self._may_name.get(key)
        if may is None:
            may = self._may_name[key] = _may_name(self.text, key)
        return may


class LinkContext:
    """Per-article memory: the last place of each level and the last organisation of each
    kind (company, bank, bureau) named.

    ``observe`` is called for every sentence in order, before ``link_figures`` sees the
    same sentence; anaphors resolve against the state *before* that sentence plus what
    the sentence itself names ahead of the anaphor.

    Observation is lazy: ``observe`` only queues the sentence. Most sentences hold no
    figure and most figure sentences need no memory, so most name scans are never run.
    A level asked for by an anaphor (``recall_before``) is looked up newest sentence first,
    scanning only back to the last one that named it; the full state (``last``, ``topic``,
    ``state_before``) replays the queue in order, exactly as eager observation would
    have, reusing the scans already made. ``eager=True`` applies each sentence at once.
    """

    def __init__(self, eager: bool = False) -> None:
        self._eager = eager
        self._queue: list[_Queued] = []  # observed, not yet applied, in order
        self._last: dict[str, str] = {}  # level or org kind -> name
        # the owner named at the head of a sentence that the segmenter cut at ；or ：: the
        # sentences after it, up to the full stop, are still about it
        self._topic: str | None = None
        self._before: dict[str, str] = {}
        self._text: str | None = None
        self._topic_before: str | None = None
        self._continues = False

    @property
    def last(self) -> dict[str, str]:
        self._sync()
        return self._last

    @property
    def topic(self) -> str | None:
        self._sync()
        return self._topic

    def observe(self, text: str) -> None:
        self._queue.append(_Queued(text))
        if self._eager:
            self._sync()

    def _sync(self, keep: int = 0) -> None:
        """Apply the queued sentences in order, all but the last ``keep`` of them."""
        if len(self._queue) > keep:
            cut = len(self._queue) - keep
            queued, self._queue = self._queue[:cut], self._queue[cut:]
            for item in queued:
                self._apply(item)

    def _apply(self, item: _Queued) -> None:
        observed = item.observed
        self._before = dict(self._last)
        self._topic_before = self._topic if self._continues else None
        self._text = item.text
        if not self._continues:
            entities = observed.entities
            self._topic = _head_owner(item.text, entities + _anaphors(item.text, entities, self._before.get))
        for key, name, weak in observed.writes:
            if weak:
                self._last.setdefault(key, name)
            else:
                self._last[key] = name
        self._continues = observed.continues

    def _is_last_queued(self, text: str) -> bool:
        return bool(self._queue) and self._queue[-1].text == text

    def topic_before(self, text: str) -> str | None:
        """The owner carried over from the part of the sentence before ``text``."""
        if self._is_last_queued(text):
            # only a sentence that ended at ；or ：carries a topic over, and whether it did
            # needs its text, not a scan: most figures without a subject cost no scan here.
            # The topic is the head owner of the sentence that opened the run of continuing
            # ones: only that sentence is scanned, not every sentence queued before it
            last = len(self._queue) - 1
            opener = last
            while opener > 0 and self._queue[opener - 1].continues:
                opener -= 1
            if opener == 0 and self._continues:
                return self._topic  # the run goes back past the queue: the state's topic
            if opener == last:
                return None  # the sentence before ``text`` did not continue
            return self._head_topic(opener)
        self._sync()
        return self._topic_before if text == self._text else None

    def _head_topic(self, index: int) -> str | None:
        """The head owner of the queued sentence at ``index``, its anaphors resolved against
        the memory before it: the topic it opens (what ``_apply`` would set)."""
        item = self._queue[index]
        if item.head_topic is None:
            entities = item.observed.entities
            anaphors = _anaphors(item.text, entities, lambda key: self._recall_at(index, key))
            item.head_topic = (_head_owner(item.text, entities + anaphors),)
        return item.head_topic[0]

    def state_before(self, text: str) -> dict[str, str]:
        """The memory as it was before ``text`` (the sentence being linked)."""
        if self._is_last_queued(text):
            self._sync(keep=1)
            return dict(self._last)  # ``text`` itself stays queued until a later read
        self._sync()
        return dict(self._before) if text == self._text else dict(self._last)

    def recall_before(self, text: str, key: str) -> str | None:
        """``state_before(text).get(key)``, scanning as few queued sentences as it can."""
        if not self._is_last_queued(text):
            return self.state_before(text).get(key)
        return self._recall_at(len(self._queue) - 1, key)

    def _recall_at(self, index: int, key: str) -> str | None:
        """The memory's ``key`` as it was before the queued sentence at ``index``."""
        earlier = self._queue[:index]
        # the newest strong write wins: weak writes after it find the key set
        for item in reversed(earlier):
            if not item.may_write(key):
                continue
            for written, name, weak in reversed(item.observed.writes):
                if written == key and not weak:
                    return name
        if key in self._last:
            return self._last[key]
        # only weak writes since the state: the first one fills the key
        for item in earlier:
            if not item.may_write(key):
                continue
            for written, name, _weak in item.observed.writes:
                if written == key:
                    return name
        return None


_CONTINUING_ENDS = ("；", ";", "：", ":")
_HEAD_WINDOW = 12  # a sentence's owner is named within its first characters


def _head_owner(text: str, candidates: list[Entity]) -> str | None:
    """The owner that opens a sentence (新乡市把今年…, 2021年,该市…): its first name."""
    for ent in sorted(candidates, key=_START):
        if ent.start > _HEAD_WINDOW:
            break
        if ent.role != "owner" or ent.name is None:
            continue  # 国家统计局发布: a source heads the sentence without owning it
        if ent.kind != "person" and not text.startswith(("的", "最", "第", "、", "等"), ent.end):
            return ent.name
    return None


def _full_name(name: str) -> str:
    """新乡 -> 新乡市: the gazetteer's full name for a short form, else the name as written."""
    hit = _vocab().gazetteer.get(name)
    return hit[0] if hit else name


def _leading_division(name: str) -> str | None:
    vocab = _vocab()
    for length in range(min(vocab.gazetteer_max, len(name) - 1), 1, -1):
        if name[:length] in vocab.gazetteer:
            return name[:length]
    return None


def _antecedent_fits(ent: Entity, level: str) -> bool:
    if ent.name is None:
        return False
    if ent.kind == "org":
        return _org_kind(ent.name) == level
    return ent.kind == "place" and _fits(ent.level, level)


def _resolved_name(ent: Entity) -> str | None:
    return _full_name(ent.name) if ent.kind == "place" and ent.name else ent.name


def _anaphors(
    text: str, entities: list[Entity], recall: Callable[[str], str | None], until: int | None = None
) -> list[Entity]:
    """该乡 / 全市 / 我市 / 该公司 ... resolved to the last place of that level (or org of that
    kind) named before it; one that resolves to nothing has no name and blocks. ``recall``
    gives the article's memory of a level; it is called only when this sentence names
    no antecedent itself. ``until``: only the anaphors that end at or before it."""
    vocab = _vocab()
    out: list[Entity] = []
    for m in vocab.anaphor_re.finditer(text):
        if until is not None and m.end() > until:
            break  # matches come in text order: all later ones end later
        if _overlaps_entity(m.start(), m.end(), entities):
            continue
        level = vocab.anaphor_levels[m.group("head")]
        earlier = [e for e in reversed(entities) if e.end <= m.start() and _antecedent_fits(e, level)]
        strong = [e for e in earlier if e.role != "venue"]
        # this sentence's own names first, then the article's; a venue only as a last resort
        resolved = _resolved_name(strong[0]) if strong else recall(level)
        if resolved is None and earlier:
            resolved = _resolved_name(earlier[0])
        out.append(Entity(m.start(), m.end(), "anaphor", level, resolved))
    return out


# --------------------------------------------------------------------------- link


_CLAUSE_BREAK = re.compile(f"[{re.escape(''.join(sorted(_CLAUSE_BREAKS)))}]")


def _clause_start(reversed_text: str, position: int) -> int:
    """Where the clause holding ``position`` starts: 0, or right after the last break before
    it. ``reversed_text`` is the sentence reversed: a search from the position backwards
    meets that break first, where listing every break of the sentence costs twice as much."""
    m = _CLAUSE_BREAK.search(reversed_text, len(reversed_text) - position)
    return len(reversed_text) - m.start() if m else 0


def _is_modifier(ent: Entity, text: str, figure_starts: set[int]) -> bool:
    """A name used as scope, attribute or list member, not as owner: 新乡市首家 (scope of a
    rank), 全市最低水平, 金山工业园区的 (attribute), 人社局、法院等12家单位 (member)."""
    return ent.end in figure_starts or text.startswith(("的", "最", "第", "、", "等"), ent.end)


def _bracketed(ent: Entity, text: str) -> bool:
    """中国(郑州)产业转移对接活动: a place in brackets, or right before them, is part of a
    name (an event's), it owns nothing."""
    inside = 0 < ent.start and ent.end < len(text) and text[ent.start - 1] in "（(" and text[ent.end] in "）)"
    return inside or (ent.kind == "place" and text.startswith(("（", "("), ent.end))


def _possible_subjects(candidates: list[Entity], text: str, figure_starts: set[int]) -> list[Entity]:
    """The candidates that may own a figure of the sentence, in order: not a venue, a
    modifier or a name in brackets. Those tests do not depend on the figure, so they are
    made once per sentence rather than once per figure."""
    return [c for c in candidates
            if c.role != "venue" and not _is_modifier(c, text, figure_starts) and not _bracketed(c, text)]


def _choose_subject(fig: _FigureView, possible: list[Entity]) -> Entity | None:
    """The nearest of the ``possible`` subjects (see _possible_subjects) before the figure.
    It may have no name (a source, a scope word, an anaphor that resolves to nothing): then
    the figure has no subject."""
    for chosen in reversed(possible):  # the last in candidate order that qualifies
        if chosen.end <= fig.start and not (chosen.role == "scope" and fig.kind == "rank"):
            return _renamed(chosen, None) if chosen.role == "source" else chosen
    return None


def _change_verb_at_end(phrase: str, vocab: _Vocab) -> re.Match[str] | None:
    """``vocab.verb_re.search(phrase)``; how the phrase ends rules out most phrases first
    (the search tries the whole alternation at every position)."""
    last = phrase[-1:]
    if last not in vocab.verb_last_chars and (last not in vocab.rate_linked_lasts
                                              or not phrase.endswith(vocab.rate_linked)):
        return None
    return vocab.verb_re.search(phrase)


def _strip_right(phrase: str, vocab: _Vocab) -> str:
    changed = True
    while changed and phrase:
        changed = False
        phrase = phrase.rstrip(_QUOTES_SPACES)
        if phrase in vocab.measures:
            break  # 人均 is not 人 + 均
        last = phrase[-1:]
        m = _change_verb_at_end(phrase, vocab) if last in vocab.verb_end_chars else None
        if m and m.start() < len(phrase):
            phrase, changed = phrase[: m.start()], True
            continue
        m = vocab.basis_end_re.search(phrase) if last in vocab.basis_last_chars else None
        if m:
            phrase, changed = phrase[: m.start()], True
            continue
        if last in vocab.connector_lasts and phrase.endswith(vocab.connectors):
            for n in vocab.connector_lengths:  # the longest connector it ends with
                if n <= len(phrase) and phrase[-n:] in vocab.connector_set:
                    phrase, changed = phrase[:-n], True
                    break
    return phrase


def _strip_left(phrase: str, vocab: _Vocab) -> str:
    changed = True
    while changed and phrase:
        changed = False
        phrase = phrase.lstrip(_QUOTES_SPACES)
        if phrase in vocab.measures:
            break  # a keyword as a whole stays whole: 完成投资, 接待游客 ... not cut to 投资
        first = phrase[:1]  # sliced once a pass: a slice of CJK text is a new string
        # startswith(tuple) is one C call: the word loops run only when one word matches
        if first in vocab.opener_firsts and phrase.startswith(vocab.openers):
            for n in vocab.opener_lengths:  # the longest opener it starts with that leaves something
                if n < len(phrase) and phrase[:n] in vocab.opener_set:
                    phrase, changed = phrase[n:], True
                    break
            if changed:
                continue
        # one joined test rules out the phrases no opener pattern opens (most of them)
        joined = vocab.any_opener_re
        patterns = vocab.opener_res if joined is None or joined.match(phrase) else ()
        for pattern in patterns:
            m = pattern.match(phrase)
            if m and m.end() < len(phrase):
                phrase, changed = phrase[m.end() :], True
                break
        else:
            # a leading verb (改造老旧小区 -> 老旧小区) when a noun of 2+ characters remains
            if first in vocab.measure_verb_firsts and phrase.startswith(vocab.measure_verbs):
                for n in vocab.measure_verb_lengths:  # longest first
                    if (len(phrase) - n >= 2 and phrase[:n] in vocab.measure_verb_set
                            and phrase[n] not in vocab.measure_verb_blockers):
                        phrase, changed = phrase[n:], True
                        break
    return phrase


_NUMERAL_CHARS = frozenset("0123456789〇零一二两三四五六七八九十百千万亿点")


def _valid_measure(phrase: str, vocab: _Vocab) -> bool:
    """A measure is a noun phrase: never a function word, a bare verb / modal / adverb
    (和, 增至, 力争, 前移) or a number fragment (点五, 千亿斤)."""
    if not phrase:
        return False
    if phrase in vocab.measures:
        return True
    if phrase in vocab.non_measures or not phrase.strip(_NAME_STOP_CHARS):  # only stop characters
        return False
    if phrase[0].isdigit():
        return len(phrase) > 1 and phrase[1].isascii() and phrase[1].isalpha()  # 5G基站
    return not (len(phrase) >= 2 and phrase[0] in _NUMERAL_CHARS and phrase[1] in _NUMERAL_CHARS)


def _rightmost_keyword(phrase: str, vocab: _Vocab) -> tuple[int, int] | None:
    """Longest measure keyword ending furthest right in ``phrase``: (start, end)."""
    for end in range(len(phrase), 0, -1):
        for length in range(min(vocab.measure_max, end), 1, -1):
            if phrase[end - length : end] in vocab.measures:
                return end - length, end
    return None


_AFTER_STOPS = re.compile(
    r"就是|正在|已经|已于|已|进行|设置|设立|颁发|实现|开展|位居|覆盖|达到|达|将|被|和|及|且|并|"
    r"等|用于|作为|以上|以下"
)
_QUOTES_DE = _QUOTES + "的"  # what _after_phrase skips right after a figure
_AFTER_TRIM = ("建设", "工作", "上", "中", "后", "里", "内", "之内", "范围")
# the run of at most 24 characters after a figure, up to a phrase break
_AFTER_RUN = re.compile(rf"[^{re.escape(''.join(sorted(_PHRASE_BREAKS)))}]{{0,24}}")
_CLASSIFIER_END = frozenset("个家条名座批所台项部件处户辆只")


def _after_phrase(text: str, start: int, limit: int) -> tuple[str, int]:
    """The noun phrase right after a figure: 148家[文化艺术类校外培训机构]颁发 ..."""
    i = start
    while i < limit and text[i] in _QUOTES_DE:  # one character: a substring test is membership
        i += 1
    run = _AFTER_RUN.match(text, i, limit)
    j = run.end() if run else i  # no match only when limit < i (figures overlap): an empty run
    if j == i:
        return "", -1  # a break right after the figure (the common case): no phrase
    raw = text[i:j]
    phrase = raw
    m = _AFTER_STOPS.search(phrase)
    if m:
        phrase = phrase[: m.start()]  # empty when a verb follows the figure (5户到15户设立…)
    if "的" in phrase:
        head, _, tail = phrase.partition("的")
        # X的Y followed by its own figure: Y is that figure's measure, X is ours
        phrase = head if (j == limit and limit < len(text)) or not tail else tail
    phrase = phrase.strip(_QUOTES_SPACES)
    if phrase.endswith(_AFTER_TRIM):  # one C call rules out the common case
        for trim in _AFTER_TRIM:
            if phrase.endswith(trim) and len(phrase) > len(trim) + 1:
                phrase = phrase[: -len(trim)]
    offset = text.find(phrase, i) if phrase else -1
    return phrase, offset


@dataclass(slots=True)
class _Measure:
    text: str | None
    start: int | None


def _locate(text: str, phrase: str, lo: int, hi: int) -> int | None:
    pos = text.rfind(phrase, lo, hi)
    return pos if pos >= 0 else None


_LIST_SEPARATORS = re.compile(r"[、和及与]")  # between the measures a 分别 distributes
_COUNT_NOUN_END = re.compile(r"(?:数量|数|总数|规模)$")
_LEADING_NON_WORD = re.compile(r"^[^\u4e00-\u9fffA-Za-z]+")
_PHRASE_BREAK = re.compile(r"[，,；;：:。！？!?、]")


def _window_phrase(raw_before: str, window_start: int, dates: list[tuple[int, int]],
                   vocab: _Vocab) -> tuple[str, bool]:
    """The window before a figure with the change words, basis and dates cut off, and
    whether it is already right-stripped (_strip_right is idempotent: a phrase it
    returned needs no second pass)."""
    before = _strip_right(raw_before, vocab)
    # what is left of the window after the basis went: cut after any date still inside it
    inside = [(ds - window_start, de - window_start) for ds, de in dates
              if window_start <= ds and de <= window_start + len(before)] if dates else []
    if inside:
        ds, de = max(inside)
        # 员工人数从2019年的800人: a date that modifies the figure leaves the measure before it
        if not before[de:].strip("的 "):
            return _strip_right(before[:ds], vocab), True
        return before[de:], False
    return before, True


def _find_measure(
    text: str,
    fig: _FigureView,
    window_start: int,
    next_start: int,
    previous: _Measure | None,
    group: list[str],
    dates: list[tuple[int, int]],
    prior: list[_Measure],
    coordinated: int,
) -> _Measure:
    """``previous``: the measure of the figure right before (None when it had none);
    ``prior``: the measures of the sentence's figures so far; ``coordinated``: how many
    figures, this one first, are joined by 和 / 、 (35%和42%)."""
    vocab = _vocab()
    raw_before = text[window_start : fig.start]
    # the phrase after the figure first: when it decides the measure (a keyword after the
    # figure, the noun after a count: 24个村), the window before need not be stripped
    after, after_pos = _after_phrase(text, fig.end, next_start)
    if not after or not _valid_measure(after, vocab) or (after[:2] in vocab.phrase_verb_heads
                                            and after.startswith(vocab.phrase_verbs)):
        after = ""  # 800人增至目前: a verb after the figure starts the next span, not a noun
    noun_follows = fig.kind in ("count", "duration", "length") or fig.surface[-1:] in _CLASSIFIER_END
    decided_after: _Measure | None = None
    if fig.kind != "count" and after[:2] in vocab.long_measure_heads and after.startswith(vocab.long_measures):
        decided_after = _Measure(max((k for k in vocab.measures if after.startswith(k)), key=len), after_pos)
    elif noun_follows and after:
        decided_after = _Measure(after, after_pos if after_pos >= 0 else None)

    before: str | None = None  # the stripped window, once needed
    right_stripped = True
    # 分别 distributes coordinated figures over coordinated measures, in order: those named
    # in the clause (科技型中小企业、高新技术企业数量分别突破800家和500家), else the measures
    # of the figures before (接待游客120.5万人次,实现旅游收入9.6亿元,分别增长35%和42%)
    respectively = raw_before.rfind("分别")
    if respectively >= 0 and not _strip_right(raw_before[respectively + 2 :], vocab):
        before, right_stripped = _window_phrase(raw_before, window_start, dates, vocab)
        items = [it for it in _LIST_SEPARATORS.split(_strip_left(before.removesuffix("分别"), vocab)) if it]
        items = [_COUNT_NOUN_END.sub("", it) or it for it in items]
        if len(items) < 2 and coordinated >= 2 and len(prior) >= coordinated:
            items = [m.text for m in prior[-coordinated:] if m.text]
        if len(items) >= 2:
            group[:] = items[1:]
            return _Measure(items[0], _locate(text, items[0], 0, fig.start))
    elif group and raw_before.strip() in ("和", "及", "、", "与", ",", "，"):
        item = group.pop(0)
        return _Measure(item, _locate(text, item, 0, fig.start))
    if fig.kind == "date":
        return _Measure(None, None)
    if decided_after is not None:
        return decided_after

    if before is None:
        before, right_stripped = _window_phrase(raw_before, window_start, dates, vocab)
    # the last item of an enumeration: cut after 、 and 的
    last_item = before[max(before.rfind("、"), before.rfind("的")) + 1 :]
    if len(last_item) < len(before) or not right_stripped:
        last_item = _strip_right(last_item, vocab)
    before = _strip_left(last_item, vocab)
    if len(before) > _MAX_MEASURE:
        kw = _rightmost_keyword(before, vocab)
        # no keyword: the last few characters, not starting mid-number (0006 今日天气)
        before = before[kw[0] : kw[1]] if kw else _LEADING_NON_WORD.sub("", before[-_MAX_MEASURE // 2 :])
    if not _valid_measure(before, vocab):
        before = ""

    if not before and not after and previous is not None and (
        raw_before.strip() in ("、", "和", "及", "与") or raw_before.strip(_QUOTES_SPACES_COMMAS)
    ):
        # 全省第三、行业第一: an enumeration shares its measure; so does a figure with only
        # change words before it (员工人数从500人增至800人; 投资4.2万亿元,同比增长3.4%)
        return previous
    # the phrase after a noun-taking figure was taken above when there was one
    choice = before or after
    if not choice:
        # nothing but a verb phrase around the figure (5件正在调解处理中): take it as is
        tail = _PHRASE_BREAK.split(text[fig.end : next_start], maxsplit=1)[0].strip(_QUOTES)
        choice = tail[:_MAX_MEASURE]
        if _valid_measure(choice, vocab) and not choice.startswith(vocab.connectors):
            return _Measure(choice, text.find(choice, fig.end))
        return _Measure(None, None)
    if choice == after:
        return _Measure(after, after_pos if after_pos >= 0 else None)
    pos = text.rfind(choice, window_start, fig.start)  # _locate, inline: once per figure
    return _Measure(choice, pos if pos >= 0 else None)


_VERB_TAGS = frozenset(["v", "vd", "VV", "VERB"])


# a tagged Doc's tokens as (start, end, is a verb); empty for no Doc or an untagged one
_TokenSpans = list[tuple[int, int, bool]]


def _token_spans(doc: Any | None) -> _TokenSpans:
    """The tokens of a tagged Doc, read once per sentence (not once per figure), as one
    array rather than a Token object per token: POS holds the symbol of the coarse tag
    (VERB), TAG the string-store key of the fine one."""
    if doc is None or not (doc.has_annotation("POS") or doc.has_annotation("TAG")):
        return []  # untagged (blank): no verb to find, and no Token built per character to learn it
    strings = doc.vocab.strings
    verb_pos = strings["VERB"]
    verb_tags = {strings[tag] for tag in _VERB_TAGS}
    flat = _flat_ints(doc.to_array(["IDX", "LENGTH", "POS", "TAG"]))  # row after row
    return [(idx, idx + length, pos == verb_pos or tag in verb_tags)
            for idx, length, pos, tag in zip(flat[0::4], flat[1::4], flat[2::4], flat[3::4])]


_UINT64 = array("Q")


def _flat_ints(values: Any) -> list[int]:
    """A numpy array's values as Python ints, row after row. ``to_array`` gives uint64, which
    numpy's ``tolist`` converts a scalar object at a time: through the buffer as an
    ``array('Q')`` the same values come about six times faster."""
    dtype = values.dtype
    if dtype.kind == "u" and dtype.itemsize == _UINT64.itemsize and dtype.byteorder in "=|":
        return array("Q", values.tobytes()).tolist()
    return values.ravel().tolist()


def _last_verb_end(tokens: _TokenSpans, start: int, end: int) -> int:
    """With a tagged Doc: the end of the last verb in [start, end) that still has words after
    it, so 配合公安系统打击窝点45个 measures 窝点; 0 when there is no such verb or no tags."""
    best = 0
    for s, e, is_verb in tokens:
        if s < start:
            continue
        if e >= end - 1:
            break
        if is_verb:
            best = e
    return best


def _find_change(text: str, fig: _FigureView, clause_start: int) -> dict[str, Any]:
    vocab = _vocab()
    if fig.kind == "date":
        return {}
    if vocab.self_change_re.search(fig.surface):
        return {"change": True, "direction": "up"}
    # the clause before the figure is sliced only when its last character may end a verb
    if fig.start <= clause_start or text[fig.start - 1] not in vocab.verb_end_chars:
        return {}
    prefix = text[clause_start : fig.start]
    m = _change_verb_at_end(prefix, vocab)
    if not m:
        return {}
    word = m.group("verb") or m.group("rate") or m.group("short")
    direction = vocab.verb_direction.get(word)
    bases = list(vocab.basis_re.finditer(prefix[: m.end()]))
    basis = bases[-1].group() if bases else None
    return {"change": True, "direction": direction, "basis": basis}


def _joined(text: str, fig: _FigureView, next_fig: _FigureView) -> bool:
    """True when ``fig`` and the figure after it are coordinated: 35%和42%, 3家、5家."""
    return fig.kind == next_fig.kind and text[fig.end : next_fig.start].strip() in _COORDINATORS


def _coordination_lengths(text: str, ordered: list[_FigureView]) -> list[int]:
    """For each figure, how many figures from it on are joined by 和 / 及 / 、 (35%和42% -> 2, 1)."""
    lengths = [1] * len(ordered)
    for k in range(len(ordered) - 2, -1, -1):
        if _joined(text, ordered[k], ordered[k + 1]):
            lengths[k] = lengths[k + 1] + 1
    return lengths


_COORDINATORS = frozenset(["和", "及", "与", "、", "以及"])


def _whole_keyword(text: str, measure: _Measure, window_start: int, cut: int, vocab: _Vocab) -> _Measure:
    """A tagger's verb cut must not split a keyword listed whole: 完成|投资 -> 完成投资."""
    if measure.start is None or measure.start < cut:
        return measure
    end = measure.start + len(measure.text or "")
    # the rightmost keyword in text[window_start:end] matters only when it ends at ``end``:
    # only the keywords ending there are tried, the longest first
    for length in range(min(vocab.measure_max, end - window_start), 1, -1):
        if text[end - length : end] in vocab.measures:
            start = end - length
            return _Measure(text[start:end], start) if start < cut else measure
    return measure


# Figure keeps no extra fields (extra="forbid") and no private attributes: a copy is its
# field dict and the set of fields given, nothing else (what _updated relies on)
_PLAIN_FIGURE = Figure.model_config.get("extra") != "allow" and not Figure.__private_attributes__


def _updated(fig: Figure, update: dict[str, Any]) -> Figure:
    """``fig.model_copy(update=update)``, the same object values at a third of the cost or less:
    pydantic's copy goes through the generic ``copy.copy`` three times per figure."""
    if not _PLAIN_FIGURE or type(fig) is not Figure:
        return fig.model_copy(update=update)
    # a copy of the set, then the keys added: ``set | dict.keys()`` goes through the generic
    # set-of-an-iterable path, twice the cost
    fields_set = fig.__pydantic_fields_set__.copy()
    fields_set.update(update)
    # construct_valid, not its construct_figure wrapper: one call less per figure
    return construct_valid(Figure, {**fig.__dict__, **update}, fields_set)


class _FigureView:
    """What link reads of a Figure, read once. A Figure is a pydantic model: each of its
    attribute reads goes through the model's ``__getattr__`` hook, several times the cost
    of a slot read, and linking reads a figure's offsets and kind some forty times.
    Built from the Figure itself: one call per figure, not a function and an ``__init__``."""

    __slots__ = ("end", "figure", "kind", "start", "surface")

    def __init__(self, fig: Figure) -> None:
        self.start: int = fig.start
        self.end: int = fig.end
        self.kind: str = fig.kind
        self.surface: str = fig.surface
        self.figure = fig


def link_figures(text: str, figures: list[Figure], doc: Any | None, context: LinkContext) -> list[Figure]:
    """Fill measure, subject and change on the figures of one sentence; returns new Figures."""
    if not figures:
        return []
    ordered = sorted(map(_FigureView, figures), key=_START)
    measured = [f for f in ordered if f.kind != "date"]  # the figures that get a measure and subject
    if not measured:
        # a date gets no measure, subject or change: a sentence of dates needs no scan
        return [_updated(f.figure, {}) for f in ordered]
    entities = _with_roles(text, _scan(text, doc, [(f.start, f.end) for f in ordered])[0])
    # the article's memory and topic are read only when needed (an anaphor with no
    # antecedent in this sentence, a figure with no subject after a ；-cut sentence):
    # each read makes the context scan earlier sentences, which most figures never need
    def recall(level: str) -> str | None:
        return context.recall_before(text, level)

    # a subject ends at or before its figure: an anaphor ending after the last figure's start
    # is no one's subject, and is not resolved (which may scan earlier sentences)
    last_start = measured[-1].start
    candidates = sorted(entities + _anaphors(text, entities, recall, until=last_start), key=_START)
    # a name right before a date is the subject (新乡市4月份已…); before a count or rank it
    # is the scope (新乡市首家, 全省第三)
    figure_starts = {f.start for f in measured}
    possible_subjects = _possible_subjects(candidates, text, figure_starts)
    tokens = _token_spans(doc)
    out: list[Figure] = []
    previous: _Measure | None = None
    prior: list[_Measure] = []
    group: list[str] = []
    prev_end = prev_nondate_end = 0
    dates = [(f.start, f.end) for f in ordered if f.kind == "date"] if len(measured) < len(ordered) else []
    # the coordination lengths are read only by 分别 (_find_measure spreads measures over
    # them): a sentence without it does not compute them
    coordinated = _coordination_lengths(text, ordered) if "分别" in text else None
    reversed_text = text[::-1]  # for _clause_start
    vocab = _vocab()
    for k, fig in enumerate(ordered):
        update: dict[str, Any] = {}
        if fig.kind != "date":
            next_start = ordered[k + 1].start if k + 1 < len(ordered) else len(text)
            clause_start = _clause_start(reversed_text, fig.start)
            subject = _choose_subject(fig, possible_subjects)
            if subject is not None:
                if subject.name is not None:
                    update["subject"] = subject.name
                    update["subject_start"] = subject.start if subject.kind != "anaphor" else None
            elif (topic := context.topic_before(text)) is not None:
                update["subject"] = topic
            window_start = max(clause_start, prev_end)
            # a date inside the basis (与去年同期相比) or before the measure (今年前4个月营业收入)
            # does not end the window; the measure after it is found by _find_measure
            if k > 0 and ordered[k - 1].kind == "date":
                window_start = max(clause_start, prev_nondate_end)
            if subject is not None and subject.end > window_start:
                window_start = subject.end
            after_verb = _last_verb_end(tokens, window_start, fig.start) if tokens else 0
            measure: _Measure | None = None  # found after a tagged verb, if one was
            if after_verb > window_start:
                trial_group = list(group)
                trial = _find_measure(text, fig, after_verb, next_start, previous, trial_group, dates,
                                      prior, coordinated[k] if coordinated else 1)
                # the previous measure back: only change words after the verb, decide on the whole window
                if trial is not previous and trial.text:
                    group[:] = trial_group
                    measure = _whole_keyword(text, trial, window_start, after_verb, vocab)
            if measure is None:  # the verb was the change verb itself (下降了20%), or no tags
                measure = _find_measure(text, fig, window_start, next_start, previous, group, dates,
                                        prior, coordinated[k] if coordinated else 1)
            if measure.text:
                update["measure"] = measure.text
                update["measure_start"] = measure.start
                prior.append(measure)
            previous = measure if measure.text else None
            change = _find_change(text, fig, clause_start)
            if not change and k > 0 and out[-1].change and _joined(text, ordered[k - 1], fig):
                # 分别增长35%和42%: the second figure of a coordination shares the change
                change = {"change": True, "direction": out[-1].direction, "basis": out[-1].basis}
            update.update(change)
        prev_end = fig.end
        if fig.kind != "date":
            prev_nondate_end = fig.end
        out.append(_updated(fig.figure, update))
    return out
