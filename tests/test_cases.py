"""Table-driven cases: tests/cases/*.yaml, grouped by phenomenon.

Each file::

    phenomenon: money with scale words
    cases:
      - text: 项目总投资5.5亿元
        published: 2024-06-05          # optional, for relative dates
        partial: false                 # optional: true allows facts not listed
        facts:                         # every fact the text yields (by surface)
          - {surface: 5.5亿元, kind: money, value: 550000000, unit: CNY}

Only the fields a case names are compared; `facts: []` means the text yields nothing.
Cases run the whole snippet path (normalise, segment, extract, link) with the blank model.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
import yaml

CASES_DIR = Path(__file__).parent / "cases"


def _load_cases() -> list:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for i, case in enumerate(spec.get("cases") or []):
            params.append(pytest.param(case, id=f"{path.stem}[{i}]:{case['text'][:24]}"))
    return params


def _same(expected: object, got: object) -> bool:
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(got, (int, float)):
        return math.isclose(float(expected), float(got), rel_tol=1e-6, abs_tol=1e-9)
    if isinstance(expected, dt.date):
        expected = expected.isoformat()
    return expected == got


@pytest.mark.parametrize("case", _load_cases())
def test_case(case: dict, blank_pipeline) -> None:
    from pipeline.process import extract_snippet

    published = case.get("published")
    if isinstance(published, str):
        published = dt.date.fromisoformat(published)
    facts = extract_snippet(case["text"], published, pipeline=blank_pipeline)
    got = {f.surface: f for f in facts}
    expected = case.get("facts") or []
    want_surfaces = [e["surface"] for e in expected]
    missing = [s for s in want_surfaces if s not in got]
    assert not missing, f"missing {missing}; got {[f.surface for f in facts]}"
    if not case.get("partial"):
        extra = [s for s in got if s not in want_surfaces]
        assert not extra, f"unexpected facts {extra}"
    for exp in expected:
        fact = got[exp["surface"]].model_dump()
        for key, value in exp.items():
            assert _same(value, fact[key]), f"{exp['surface']}: {key} = {fact[key]!r}, want {value!r}"
