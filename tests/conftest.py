from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def blank_pipeline():
    from pipeline.process import Pipeline

    return Pipeline.load("blank")


# On CI every test must run: a test skipped for want of chromium, PostgreSQL, ray or
# playwright means .ci/run failed to install it, and that must fail the build, not hide.
REQUIRE_ALL = os.environ.get("ZHFACTS_REQUIRE_SYSTEM_TESTS") == "1"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped on CI (ZHFACTS_REQUIRE_SYSTEM_TESTS=1): {reason}"
