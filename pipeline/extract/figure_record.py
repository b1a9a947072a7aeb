"""Figure records built without a second validation pass.

``Figure(...)`` runs pydantic's validator, about 5 µs a figure: a tenth of the extract
stage. The grammar already builds every field with the exact type the schema asks for,
so the two builders here check those types in plain Python, and the schema's value rule
through the same function the schema validates with (``value_problem``),
then fill the record the way ``Figure.model_construct`` does (``construct_figure``): same field order
(the schema's), same defaults, same ``model_fields_set`` as ``Figure(**fields)``. Anything unexpected goes
through ``Figure(...)``, so a bad value still raises the ValidationError it always did.
"""

from __future__ import annotations

from typing import Any

from schemas.records import KINDS, Figure, Qualifier, construct_figure, value_problem

_VALUE_KINDS: frozenset[str] = frozenset(KINDS) - {"date"}
_QUALIFIERS: frozenset[str] = frozenset(Qualifier.__args__)  # type: ignore[attr-defined]
_OPTIONAL_FLOAT = (float, type(None))
_OPTIONAL_STR = (str, type(None))

# The fields each builder sets, as Figure(**fields) would record them in model_fields_set.
_VALUE_FIELDS = frozenset({"kind", "value", "value_max", "unit", "qualifier", "base_value", "base_value_max",
                           "base_unit", "surface", "start", "end"})
_DATE_FIELDS = frozenset({"kind", "unit", "value", "qualifier", "date", "date_end", "start", "end", "surface"})
# Every field at its default, in the schema's order. The builders copy it and store what
# they set (a dict keeps its keys' order when values are replaced): a fifth cheaper than a
# display merging it ({**_BLANK, "kind": ...}), which builds a second dict and inserts its
# keys again. The required fields have no default: both builders set them all.
_BLANK: dict[str, Any] = {name: None if field.is_required() else field.default
                          for name, field in Figure.model_fields.items()}
# ... with the fields every date figure shares set once
_DATE_BLANK: dict[str, Any] = {**_BLANK, "kind": "date", "unit": "date", "qualifier": "exact"}


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
        # each record gets its own fields set (assignment adds to it)
        values = _BLANK.copy()
        values["kind"] = kind
        values["value"] = value
        values["value_max"] = value_max
        values["unit"] = unit
        values["qualifier"] = qualifier
        values["base_value"] = base_value
        values["base_value_max"] = base_value_max
        values["base_unit"] = base_unit
        values["start"] = start
        values["end"] = end
        values["surface"] = surface
        return construct_figure(values, set(_VALUE_FIELDS))
    return Figure(kind=kind, value=value, value_max=value_max, unit=unit,  # type: ignore[arg-type]
                  qualifier=qualifier, base_value=base_value,  # type: ignore[arg-type]
                  base_value_max=base_value_max, base_unit=base_unit, surface=surface, start=start, end=end)


def date_figure(date: str | None, date_end: str | None, surface: str, start: int, end: int) -> Figure:
    """``Figure(kind="date", unit="date", value=None, qualifier="exact", date=..., ...)``."""
    if (
        type(date) in _OPTIONAL_STR and type(date_end) in _OPTIONAL_STR and type(surface) is str
        and type(start) is int and type(end) is int and start >= 0 and end >= 0
    ):
        values = _DATE_BLANK.copy()
        values["date"] = date
        values["date_end"] = date_end
        values["start"] = start
        values["end"] = end
        values["surface"] = surface
        return construct_figure(values, set(_DATE_FIELDS))
    return Figure(kind="date", unit="date", value=None, qualifier="exact", date=date, date_end=date_end,
                  start=start, end=end, surface=surface)
