"""The Pydantic contract between stages: what a record accepts and refuses."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from schemas.records import Fact, NormalisedText, RawDocument

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
