"""The Pydantic contract between stages: what a record accepts and refuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from schemas.records import (Article, Fact, Figure, NormalisedText, RawDocument, Sentence, construct_figure,
                             field_values)

RAW = "总投资5.5亿元"


def _fact(**over):
    base = dict(kind="money", value=550000000.0, unit="CNY", doc_id="d", sentence_index=0,
                start=3, end=8, surface="5.5亿元")
    base.update(over)
    return base


def test_fact_checks_raw_span_when_given_raw():
    assert Fact.model_validate(_fact(), context={"raw": RAW}).surface == "5.5亿元"
    with pytest.raises(ValidationError, match="surface"):
        Fact.model_validate(_fact(start=2), context={"raw": RAW})


@pytest.mark.parametrize(
    "over, message",
    [
        ({"kind": "area", "value": -3.0, "unit": "mu"}, "negative area"),
        ({"value": None}, "without a value"),
        ({"value": 5.0, "value_max": 3.0}, "value_max < value"),
        ({"kind": "date", "unit": "date"}, "date facts carry"),
        ({"start": 5, "end": 5}, "empty fact span"),
        ({"kind": "length_ish"}, "kind"),
        ({"colour": "red"}, "Extra inputs"),
    ],
)
def test_fact_refuses_invalid_values(over, message):
    with pytest.raises(ValidationError, match=message):
        Fact.model_validate(_fact(**over))


def test_normalised_text_maps_back_to_raw():
    norm = NormalisedText(text="经营", to_raw=[0, 3, 4])  # raw "经\n\n营"
    assert norm.raw_span(0, 2) == (0, 4)
    with pytest.raises(ValidationError):
        NormalisedText(text="ab", to_raw=[0, 1])


def test_raw_document_hash_is_of_the_raw_text():
    a = RawDocument(doc_id="a", source="x", text="5亿元")
    b = RawDocument(doc_id="b", source="y", text="5亿元 ")
    assert a.sha256 != b.sha256 and len(a.sha256) == 64


@pytest.mark.parametrize("record", [
    Fact.model_validate(_fact(value_max=6e8, qualifier="approx", base_value=5.5e8, base_value_max=6e8, base_unit="CNY",
                              measure="总投资", subject="获嘉县", change=True, direction="up", basis="同比", run_id=3, id=9)),
    Fact.model_validate(_fact(kind="date", value=None, unit="date", date="2024-06", date_end="2024-07")),
    Figure(kind="area", value=122.0, unit="mu", qualifier="approx", start=2, end=7, surface="约122亩", measure="占地",
           measure_start=0, subject="某公司", subject_start=None),
    Sentence(doc_id="d", index=1, article=0, start=0, end=8, text=RAW, norm_start=0, norm_end=8),
    Article(index=0, title=None, start=0, end=8),
])
def test_field_values_equal_model_dump(record):
    values = field_values(record)
    assert values == record.model_dump()
    assert list(values) == list(type(record).model_fields)  # every field, in declaration order
    values["start"] = -1  # a copy: the record is untouched
    assert record.start != -1


def test_construct_figure_is_what_validation_builds_from_valid_values():
    given = {"kind": "area", "value": 122.0, "unit": "mu", "qualifier": "approx", "start": 2, "end": 7,
             "surface": "约122亩", "measure": "占地"}
    validated = Figure(**given)
    built = construct_figure(field_values(validated), set(given))
    assert built == validated and type(built) is Figure
    assert built.model_fields_set == validated.model_fields_set == set(given)
    assert built.model_dump() == validated.model_dump()
    built.subject = "某公司"  # still a live record: assignment validates and is recorded
    assert built.model_fields_set == set(given) | {"subject"} and validated.subject is None
