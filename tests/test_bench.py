"""bench/throughput.py's arithmetic: the steady rate of a config from two corpus sizes."""

from __future__ import annotations

import pytest

from bench.throughput import RunResult, steady


def _run(wall: float, cpu: float, chars: int, docs: int = 10, facts: int = 100) -> RunResult:
    return RunResult("blank w1", 10, wall, cpu, 64.0, docs, facts, chars)


@pytest.mark.parametrize(
    ("small", "large", "chars_per_s", "chars_per_cpu_s"),
    [
        # a 0.5 s start in both: 900k chars more in 2 s more (wall) and 1.8 s more (CPU)
        (_run(1.5, 1.4, 100_000), _run(3.5, 3.2, 1_000_000), 450_000, 500_000),
        # no start at all: the steady rate is the whole run's
        (_run(1.0, 1.0, 100_000), _run(10.0, 10.0, 1_000_000), 100_000, 100_000),
    ],
)
def test_steady_rate_cancels_the_start(small: RunResult, large: RunResult, chars_per_s: float,
                                       chars_per_cpu_s: float) -> None:
    rate = steady(small, large)
    assert rate is not None
    assert rate.chars_per_s == pytest.approx(chars_per_s)
    assert rate.chars_per_cpu_s == pytest.approx(chars_per_cpu_s)
    assert (rate.documents, rate.facts, rate.chars) == (0, 0, large.chars - small.chars)


@pytest.mark.parametrize(
    ("small", "large"),
    [
        (None, _run(3.5, 3.2, 1_000_000)),
        (_run(1.5, 1.4, 100_000), None),
        (_run(3.5, 3.2, 1_000_000), _run(3.5, 3.2, 1_000_000)),  # one run twice (--quick): no difference to divide
        (_run(3.5, 3.2, 100_000), _run(3.0, 3.5, 1_000_000)),  # the larger run faster: noise, not a rate
    ],
)
def test_steady_rate_needs_a_longer_larger_run(small: RunResult | None, large: RunResult | None) -> None:
    assert steady(small, large) is None
