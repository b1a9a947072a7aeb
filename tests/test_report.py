"""`zhfacts report`: the numbers drawn in the SVG charts are the database's numbers."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.report import column_chart, format_cny
from sample_facts import build_sample_db, sql_rows


class Charts(HTMLParser):
    """chart id -> [(label, value, visible value text)] from the <g class="bar"> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, list[list[str]]] = {}
        self.totals: dict[str, str] = {}
        self.external: list[str] = []
        self._chart: str | None = None
        self._bar: list[str] | None = None
        self._in_value = False
        self._tile: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "svg":
            self._chart = a["data-chart"]
            self.charts[self._chart] = []
        elif tag == "g" and a.get("class") == "bar":
            self._bar = [a["data-label"], a["data-value"], ""]
            self.charts[self._chart or ""].append(self._bar)
        elif tag == "text" and a.get("class") == "value":
            self._in_value = True
        elif tag == "div" and "data-total" in a:
            self._tile = a["data-total"]
        if tag in ("script", "link", "img") and (a.get("src") or a.get("href")):
            self.external.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "text":
            self._in_value = False
        elif tag == "g":
            self._bar = None
        elif tag == "div":
            self._tile = None

    def handle_data(self, data: str) -> None:
        if self._in_value and self._bar is not None:
            self._bar[2] += data
        if self._tile is not None and self._tile not in self.totals:
            self.totals[self._tile] = data


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Charts]:
    tmp = tmp_path_factory.mktemp("report")
    db = build_sample_db(tmp / "facts.db")
    out = tmp / "report.html"
    result = CliRunner().invoke(app, ["report", "--db", db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    parser = Charts()
    parser.feed(out.read_text(encoding="utf-8"))
    return db, parser


def test_facts_by_kind_matches_sql(report: tuple[str, Charts]) -> None:
    db, page = report
    want = sql_rows(db, "SELECT kind, count(*) FROM facts GROUP BY kind")
    got = [(label, int(float(value))) for label, value, _ in page.charts["facts-by-kind"]]
    assert sorted(got) == sorted(want)
    assert got[0] == ("money", 3)  # largest first
    assert [text for *_, text in page.charts["facts-by-kind"]] == [str(n) for _, n in got]


def test_top_measures_match_sql(report: tuple[str, Charts]) -> None:
    db, page = report
    want = dict(sql_rows(db, "SELECT measure, count(*) FROM facts WHERE measure IS NOT NULL GROUP BY measure"))
    got = {label: int(float(value)) for label, value, _ in page.charts["top-measures"]}
    assert got == want
    assert page.charts["top-measures"][0][:2] == ["固定资产投资", "2"]


def test_money_by_subject_sums_cny_base_values(report: tuple[str, Charts]) -> None:
    db, page = report
    want = dict(sql_rows(db, "SELECT subject, sum(base_value) FROM facts WHERE kind = 'money' AND base_unit = 'CNY' "
                             "GROUP BY subject"))
    got = {label: float(value) for label, value, _ in page.charts["money-by-subject"]}
    assert got == want == {"全市": 1.52e11 + 3.205e10, "比亚迪新能源电池项目": 5.5e9}
    assert [text for *_, text in page.charts["money-by-subject"]] == ["1,840.50 亿元", "55.00 亿元"]


def test_timeline_counts_dated_facts_by_month(report: tuple[str, Charts]) -> None:
    db, page = report
    dates = [d for (d,) in sql_rows(db, "SELECT date FROM facts WHERE date IS NOT NULL")]
    want = Counter(d[:7] for d in dates if re.match(r"^\d{4}-\d{2}", d))
    got = {label: int(float(value)) for label, value, _ in page.charts["facts-by-month"]}
    assert {k: v for k, v in got.items() if v} == want == {"2023-12": 3, "2024-01": 1, "2024-05": 2}
    assert list(got) == ["2023-12", "2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]  # gaps shown as zero


def test_totals_and_self_contained(report: tuple[str, Charts]) -> None:
    db, page = report
    for table in ("documents", "sentences", "facts", "runs"):
        assert page.totals[table] == str(sql_rows(db, f"SELECT count(*) FROM {table}")[0][0])
    assert page.external == []


def test_empty_database_renders(tmp_path: Path) -> None:
    from pipeline.store import Store

    Store(str(tmp_path / "empty.db")).engine.dispose()
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", "--db", str(tmp_path / "empty.db"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").count("no data") == 4


def test_formatting_helpers() -> None:
    assert format_cny(1.52e11) == "1,520.00 亿元"
    assert format_cny(35_000) == "3.50 万元"
    assert format_cny(800) == "800 元"
    svg = column_chart("x", [("2024-01", 2), ("2024-02", 0)])
    assert svg.count('class="bar"') == 2
