"""Figure records built without a second validation pass.

``Figure(...)`` runs pydantic's validator, about 5 µs a figure: a tenth of the extract
stage. The grammar already builds every field with the exact type the schema asks for,
so the two builders here check those types in plain Python, and the schema's value rule
through the same function the schema validates with (``value_problem``),
then fill the record the way ``Figure.model_construct`` does: same field order, same
defaults, same ``model_fields_set`` as ``Figure(**fields)``. Anything unexpected goes
through ``Figure(...)``, so a bad value still raises the ValidationError it always did.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from schemas.records import KINDS, Figure, Qualifier, value_problem

_VALUE_KINDS: frozenset[str] = frozenset(KINDS) - {"date"}
_QUALIFIERS: frozenset[str] = frozenset(Qualifier.__args__)  # type: ignore[attr-defined]
_OPTIONAL_FLOAT = (float, type(None))
_OPTIONAL_STR = (str, type(None))

# The fields each builder sets, as Figure(**fields) would record them in model_fields_set.
_VALUE_FIELDS = frozenset({"kind", "value", "value_max", "unit", "qualifier", "base_value", "base_value_max",
                           "base_unit", "surface", "start", "end"})
_DATE_FIELDS = frozenset({"kind", "unit", "value", "qualifier", "date", "date_end", "start", "end", "surface"})
# The builders write __dict__ as a literal in this order: fail at import if the schema moved on.
_SCHEMA_ORDER = ("kind", "value", "value_max", "unit", "qualifier", "base_value", "base_value_max", "base_unit",
                 "date", "date_end", "measure", "subject", "change", "direction", "basis", "start", "end",
                 "surface", "measure_start", "subject_start")
if tuple(Figure.model_fields) != _SCHEMA_ORDER:
    raise ImportError("schemas.records.Figure changed its fields: update pipeline/extract/figure_record.py")

# pydantic's model_construct fills these four slots of BaseModel with object.__setattr__,
# which looks each name up through the class; their descriptors' own setters do the same
# store without the look-up (a third of the cost of building a Figure).
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
if BaseModel.__slots__ != ("__dict__", "__pydantic_fields_set__", "__pydantic_extra__", "__pydantic_private__"):
    raise ImportError("pydantic.BaseModel changed its slots: update pipeline/extract/figure_record.py")
_new_figure = Figure.__new__


def _construct(values: dict[str, Any], fields_set: frozenset[str]) -> Figure:
    """A Figure from already-valid values, as ``Figure.model_construct`` fills it."""
    figure = _new_figure(Figure)
    _set_dict(figure, values)
    _set_fields_set(figure, set(fields_set))  # its own set: assignment adds to it
    _set_extra(figure, None)
    _set_private(figure, None)
    return figure


def value_figure(kind: str, value: float, value_max: float | None, unit: str, qualifier: str,
                 base_value: float, base_value_max: float | None, base_unit: str,
                 surface: str, start: int, end: int) -> Figure:
    """``Figure(kind=..., value=..., ..., end=end)`` for a non-date figure."""
    if (
        kind in _VALUE_KINDS and qualifier in _QUALIFIERS
        and type(value) is float and type(value_max) in _OPTIONAL_FLOAT
        and type(base_value) is float and type(base_value_max) in _OPTIONAL_FLOAT
        and type(unit) is str and type(base_unit) is str and type(surface) is str
        and type(start) is int and type(end) is int and start >= 0 and end >= 0
        and value_problem(kind, value, value_max) is None
    ):
        return _construct({
            "kind": kind, "value": value, "value_max": value_max, "unit": unit, "qualifier": qualifier,
            "base_value": base_value, "base_value_max": base_value_max, "base_unit": base_unit,
            "date": None, "date_end": None, "measure": None, "subject": None, "change": False,
            "direction": None, "basis": None, "start": start, "end": end, "surface": surface,
            "measure_start": None, "subject_start": None,
        }, _VALUE_FIELDS)
    return Figure(kind=kind, value=value, value_max=value_max, unit=unit,  # type: ignore[arg-type]
                  qualifier=qualifier, base_value=base_value,  # type: ignore[arg-type]
                  base_value_max=base_value_max, base_unit=base_unit, surface=surface, start=start, end=end)


def date_figure(date: str | None, date_end: str | None, surface: str, start: int, end: int) -> Figure:
    """``Figure(kind="date", unit="date", value=None, qualifier="exact", date=..., ...)``."""
    if (
        type(date) in _OPTIONAL_STR and type(date_end) in _OPTIONAL_STR and type(surface) is str
        and type(start) is int and type(end) is int and start >= 0 and end >= 0
    ):
        return _construct({
            "kind": "date", "value": None, "value_max": None, "unit": "date", "qualifier": "exact",
            "base_value": None, "base_value_max": None, "base_unit": None,
            "date": date, "date_end": date_end, "measure": None, "subject": None, "change": False,
            "direction": None, "basis": None, "start": start, "end": end, "surface": surface,
            "measure_start": None, "subject_start": None,
        }, _DATE_FIELDS)
    return Figure(kind="date", unit="date", value=None, qualifier="exact", date=date, date_end=date_end,
                  start=start, end=end, surface=surface)
