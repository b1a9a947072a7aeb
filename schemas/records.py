"""The records that flow between stages: the contract of the pipeline.

ingest -> RawDocument
normalise -> NormalisedText (text for extraction + a map back to raw offsets)
segment -> Article, Sentence (raw offsets)
extract -> Figure (offsets in the sentence's normalised text)
link -> Figure with measure / subject / change filled
store -> Fact (raw document offsets, ready for the database)

Every offset a user ever sees is a raw offset: ``raw[start:end] == surface``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from datetime import date, datetime
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, computed_field, model_validator

Kind = Literal[
    "money",
    "area",
    "count",
    "percent",
    "multiple",
    "length",
    "weight",
    "duration",
    "temperature",
    "rank",
    "date",
    "quantity",
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]

Qualifier = Literal["exact", "approx", "at_least", "at_most", "range"]
Direction = Literal["up", "down"]


class Record(BaseModel):
    """Base for all records: strict about unknown fields, immutable-ish by convention."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def field_values(record: Record) -> dict[str, object]:
    """A flat record's field values as a new dict.

    Equal to ``record.model_dump()`` for records whose fields are plain values (Figure,
    Fact, Sentence, Article: tested), at a tenth of its cost; used on the per-fact path.
    """
    return dict(record.__dict__)


class RawDocument(Record):
    """One document as read from its source, before any change to its text."""

    doc_id: str = Field(min_length=1)
    source: str  # path, or "path:LINE" for JSONL
    text: str  # the raw text as decoded; every stored offset points into it
    title: str | None = None
    published: date | None = None
    # where `published` came from: document metadata, the --published option, or a
    # masthead date found in the first lines of the text
    published_from: Literal["metadata", "option", "masthead"] | None = None
    encoding: str = "utf-8"
    format: Literal["txt", "jsonl", "html", "gold"] = "txt"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


class NormalisedText(Record):
    """Text prepared for extraction plus, for every character, its raw offset.

    ``to_raw[i]`` is the raw offset of normalised character ``i``; ``to_raw`` has one
    extra entry at the end equal to ``len(raw)``. Characters removed by normalisation
    (a line break inside a sentence) simply have no normalised counterpart.
    """

    text: str
    to_raw: list[int]

    @model_validator(mode="after")
    def _check_map(self) -> "NormalisedText":
        if len(self.to_raw) != len(self.text) + 1:
            raise ValueError("to_raw must have len(text) + 1 entries")
        return self

    def raw_span(self, start: int, end: int) -> tuple[int, int]:
        """Raw [start, end) covering normalised [start, end)."""
        if end <= start:
            r = self.to_raw[start]
            return r, r
        return self.to_raw[start], self.to_raw[end - 1] + 1


class Article(Record):
    index: int = Field(ge=0)
    title: str | None = None
    start: int = Field(ge=0)  # raw offsets
    end: int = Field(ge=0)


class Sentence(Record):
    doc_id: str
    index: int = Field(ge=0)  # position in the document
    article: int = Field(ge=0)  # index of the Article holding it
    start: int = Field(ge=0)  # raw offsets
    end: int = Field(ge=0)
    text: str  # raw[start:end]
    norm_start: int = Field(ge=0)  # offsets in NormalisedText.text
    norm_end: int = Field(ge=0)

    @model_validator(mode="after")
    def _check_span(self, info: ValidationInfo) -> "Sentence":
        raw = (info.context or {}).get("raw") if info else None
        if raw is not None and raw[self.start : self.end] != self.text:
            raise ValueError(f"sentence {self.index}: raw[{self.start}:{self.end}] != text")
        return self


class FigureFields(Record):
    """What a figure says, independent of where it is stored."""

    kind: Kind
    value: float | None = None
    value_max: float | None = None
    unit: str
    qualifier: Qualifier = "exact"
    # value in the kind's base unit (CNY stays CNY, mu -> m2, km -> m, ton -> kg,
    # day/minute -> hour); None for dates
    base_value: float | None = None
    base_value_max: float | None = None
    base_unit: str | None = None
    date: str | None = None  # ISO: 2023-12-28, 2023-12, 2023, 2024-Q1, 2024-H1
    date_end: str | None = None
    measure: str | None = None
    subject: str | None = None
    change: bool = False
    direction: Direction | None = None  # for changes: up (增长) or down (下降)
    basis: str | None = None  # comparison basis as written: 同比, 环比, 较上年 ...

    @model_validator(mode="after")
    def _check_values(self) -> "FigureFields":
        problem = value_problem(self.kind, self.value, self.value_max)
        if problem is not None:
            raise ValueError(problem)
        return self


NON_NEGATIVE_KINDS = frozenset({"area", "length", "weight", "duration", "count"})


def value_problem(kind: str, value: float | None, value_max: float | None) -> str | None:
    """Why these values cannot make a figure or fact, or None when they can.

    The one statement of the rule: FigureFields validates with it, and the extractors'
    fast Figure builder (pipeline/extract/figure_record.py) checks it too.
    """
    if kind == "date":
        if value is not None:
            return "date facts carry `date`, not `value`"
    elif value is None:
        return f"{kind} fact without a value"
    if value_max is not None and value is not None and value_max < value:
        return "value_max < value"
    if kind in NON_NEGATIVE_KINDS and value is not None and value < 0:
        return f"negative {kind}"
    return None


class Figure(FigureFields):
    """An extractor's output: offsets are into the text the extractor was given."""

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    surface: str
    # offsets of `measure` / `subject` in the same text when found there (for review UIs)
    measure_start: int | None = None
    subject_start: int | None = None


# pydantic's model_construct fills these four slots of BaseModel with object.__setattr__,
# which looks each name up through the class; their descriptors' own setters do the same
# store without the look-up. Checked at import: a pydantic that changes them fails loudly.
if BaseModel.__slots__ != ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
    raise ImportError("pydantic.BaseModel changed its slots: update schemas.records.construct_valid")
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


R = TypeVar("R", bound=Record)


@cache
def _every_field(cls: type[Record]) -> frozenset[str]:
    # copied per record: a copy of a set reuses its hashes and size, where building one from
    # the values' keys grows and hashes it again (segment makes one per sentence)
    return frozenset(cls.model_fields)


def construct_valid(cls: type[R], values: dict[str, object], fields_set: set[str] | None = None) -> R:
    """A `cls` record holding `values` (every field, in declaration order, already valid), as
    ``cls.model_construct`` fills it but at a fraction of its cost. Only for values valid by
    construction, made once per figure or sentence; anything else is validated.
    `fields_set`: the fields given explicitly, by default all of them (a record's own set:
    assignment adds to it)."""
    record = cls.__new__(cls)
    _set_dict(record, values)
    _set_fields_set(record, set(_every_field(cls)) if fields_set is None else fields_set)
    _set_extra(record, None)
    _set_private(record, None)
    return record


def construct_figure(values: dict[str, object], fields_set: set[str]) -> Figure:
    """A Figure from valid values: for the extractors and link, which build or copy one per
    figure from values they have checked (`value_problem`) or taken from a Figure."""
    return construct_valid(Figure, values, fields_set)


class Fact(FigureFields):
    """A stored fact: offsets are raw document offsets."""

    doc_id: str
    sentence_index: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    surface: str
    run_id: int | None = None
    id: int | None = None

    @model_validator(mode="after")
    def _check_span(self, info: ValidationInfo) -> "Fact":
        if self.end <= self.start:
            raise ValueError("empty fact span")
        raw = (info.context or {}).get("raw") if info else None
        if raw is not None and raw[self.start : self.end] != self.surface:
            raise ValueError(f"raw[{self.start}:{self.end}] != surface {self.surface!r}")
        return self


# what a fact says and where it stands: every field but the ids the database and the run give
FACT_CONTENT_FIELDS: tuple[str, ...] = tuple(name for name in Fact.model_fields if name not in ("id", "run_id"))


class DocumentResult(Record):
    """Everything the pipeline made of one document: what the store writes at once."""

    document: RawDocument
    articles: list[Article]
    sentences: list[Sentence]
    facts: list[Fact]
    # what was dropped on the way (an impossible value, a sentence the grammar failed on)
    warnings: list["DocumentError"] = Field(default_factory=list)


class RunInfo(Record):
    id: int | None = None
    started: datetime
    finished: datetime | None = None
    version: str
    model: str
    config: dict[str, object] = Field(default_factory=dict)
    status: Literal["running", "ok", "partial", "failed", "interrupted"] = "running"
    documents: int = 0
    sentences: int = 0
    facts: int = 0
    errors: int = 0


class DocumentError(Record):
    """A document (or a line of one) that could not be processed, and why."""

    source: str
    line: int | None = None
    doc_id: str | None = None
    stage: str
    message: str
    severity: Literal["error", "warning"] = "error"


DocumentResult.model_rebuild()
