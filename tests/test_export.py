"""`zhfacts export`: every format read back by an independent reader matches the database."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.export import COLUMN_NAMES, iter_fact_batches
from sample_facts import N_FACTS, build_sample_db, sql_rows

runner = CliRunner()
INT_COLS = {"fact_id", "start", "end", "run_id"}
FLOAT_COLS = {"value", "value_max", "base_value"}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_sample_db(tmp_path_factory.mktemp("export") / "facts.db")


def expected(db: str, where: str = "", params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """The database's rows via sqlite3, with SQLite's storage types turned into Python types."""
    cols = ", ".join(f'"{c}"' for c in COLUMN_NAMES)
    rows = sql_rows(db, f"SELECT {cols} FROM facts_view {where} ORDER BY doc_id, start, fact_id", params)
    out = []
    for row in rows:
        record = dict(zip(COLUMN_NAMES, row))
        record["published"] = date.fromisoformat(record["published"]) if record["published"] else None
        record["change"] = bool(record["change"])
        out.append(record)
    return out


def export(db: str, out: Path, *args: str) -> None:
    result = runner.invoke(app, ["export", "--db", db, "--out", str(out), *args])
    assert result.exit_code == 0, result.output


def test_csv_has_bom_and_matches_database(db: str, tmp_path: Path) -> None:
    out = tmp_path / "facts.csv"
    export(db, out, "--format", "csv")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    with out.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COLUMN_NAMES
        got = list(reader)
    want = expected(db)
    assert len(got) == len(want) == N_FACTS

    def as_csv(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, bool):
            return "true" if v else "false"
        return v.isoformat() if isinstance(v, date) else str(v)

    assert got == [{k: as_csv(v) for k, v in row.items()} for row in want]
    by_surface = {r["surface"]: r for r in got}
    assert by_surface["约55亿元"]["value"] == "5500000000.0"
    assert by_surface["约55亿元"]["subject"] == "比亚迪新能源电池项目"
    assert by_surface["下降2.3%"]["change"] == "true"
    assert by_surface["下降2.3%"]["title"] == '关于2023年<重点项目>建设情况的报告 & "附表"'


def test_jsonl_matches_database(db: str, tmp_path: Path) -> None:
    out = tmp_path / "facts.jsonl"
    export(db, out)  # format from the extension
    lines = out.read_text(encoding="utf-8").splitlines()
    got = [json.loads(line) for line in lines]
    want = [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items()} for row in expected(db)]
    assert got == want
    assert sum("比亚迪新能源电池项目" in line for line in lines) == 3  # Chinese as is, not \u escapes
    no_date = next(r for r in got if r["doc_id"] == "wire-no-date")
    assert (no_date["title"], no_date["published"], no_date["value"], no_date["run_id"]) == (None, None, 1.5, 2)


def test_parquet_has_real_types_and_matches_database(db: str, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = tmp_path / "facts.parquet"
    export(db, out, "--format", "parquet")
    table = pq.read_table(out)
    types = {f.name: f.type for f in table.schema}
    assert types["published"] == pa.date32()
    assert types["change"] == pa.bool_()
    assert types["value"] == types["base_value"] == pa.float64()
    assert types["start"] == types["end"] == types["fact_id"] == pa.int64()
    assert table.column_names == list(COLUMN_NAMES)
    assert table.to_pylist() == expected(db)


def test_xlsx_has_header_frozen_panes_widths_and_matches_database(db: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "facts.xlsx"
    export(db, out, "--format", "xlsx")
    ws = load_workbook(out).active
    assert ws.freeze_panes == "A2"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == COLUMN_NAMES
    assert ws["A1"].font.b
    sentence_col = COLUMN_NAMES.index("sentence")
    assert ws.column_dimensions["ABCDEFGHIJKLMNOPQRST"[sentence_col]].width >= 60

    def from_excel(name: str, v: Any) -> Any:
        if name == "published" and isinstance(v, datetime):
            return v.date()  # Excel stores dates as datetimes
        if name in FLOAT_COLS and v is not None:
            return float(v)
        return v

    got = [{k: from_excel(k, v) for k, v in zip(COLUMN_NAMES, row)} for row in rows[1:]]
    # an empty string is an empty cell in Excel: date facts have unit ""
    want = [{k: (None if v == "" else v) for k, v in row.items()} for row in expected(db)]
    assert got == want
    assert isinstance(ws["Q2"].value, bool)  # `change` stays a boolean


@pytest.mark.parametrize(
    ("args", "where", "params"),
    [
        (["--kind", "money"], "WHERE kind = ?", ("money",)),
        (["--kind", "money", "--kind", "percent"], "WHERE kind IN (?, ?)", ("money", "percent")),
        (["--since", "2024-01-01"], "WHERE published >= ?", ("2024-01-01",)),
        (["--until", "2023-12-28"], "WHERE published <= ?", ("2023-12-28",)),
        (["--where", "subject = '全市' AND value > 1e10"], "WHERE subject = ? AND value > 1e10", ("全市",)),
        (["--kind", "percent", "--where", "change AND direction = 'down'"], "WHERE kind = 'percent' AND direction = 'down'", ()),
    ],
)
def test_filters(db: str, tmp_path: Path, args: list[str], where: str, params: tuple[Any, ...]) -> None:
    out = tmp_path / "facts.jsonl"
    export(db, out, *args)
    got = [json.loads(line)["fact_id"] for line in out.read_text(encoding="utf-8").splitlines()]
    want = [r["fact_id"] for r in expected(db, where, params)]
    assert got == want and 0 < len(got) < N_FACTS


def test_filter_counts_are_exact(db: str, tmp_path: Path) -> None:
    out = tmp_path / "facts.jsonl"
    export(db, out, "--kind", "money")
    assert [json.loads(x)["surface"] for x in out.read_text(encoding="utf-8").splitlines()] == [
        "320.5亿元", "1520亿元", "约55亿元"]
    export(db, out, "--since", "2024-01-01", "--until", "2024-12-31")
    assert len(out.read_text(encoding="utf-8").splitlines()) == 7  # the wire without a date is left out


@pytest.mark.parametrize(
    "where",
    ["1=1; DROP TABLE facts", "kind = 'money' -- and the rest", "1=1) OR (1=1", "(1=1",
     "kind IN (SELECT kind FROM facts) /* x */", "id IN (DELETE FROM facts RETURNING id)"],
)
def test_where_refuses_anything_but_one_read_only_condition(db: str, tmp_path: Path, where: str) -> None:
    out = tmp_path / "facts.csv"
    result = runner.invoke(app, ["export", "--db", db, "--out", str(out), "--where", where])
    assert result.exit_code == 2
    assert not out.exists()
    assert sql_rows(db, "SELECT count(*) FROM facts") == [(N_FACTS,)]


def test_bad_where_and_unknown_format_fail_cleanly(db: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "--db", db, "--out", str(tmp_path / "f.csv"), "--where", "nosuch = 1"])
    assert result.exit_code == 2 and "no such column" in result.output
    assert not (tmp_path / "f.csv").exists() and not (tmp_path / "f.csv.partial").exists()
    result = runner.invoke(app, ["export", "--db", db, "--out", str(tmp_path / "f.txt")])
    assert result.exit_code == 2


def test_rows_stream_in_batches(db: str) -> None:
    from pipeline.export import ExportFilter

    sizes = [len(b) for b in iter_fact_batches(db, ExportFilter(), batch_rows=5)]
    assert sizes == [5, 5, 2]


def test_empty_export_still_has_header_and_schema(db: str, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    export(db, tmp_path / "none.parquet", "--kind", "rank")
    assert pq.read_table(tmp_path / "none.parquet").num_rows == 0
    export(db, tmp_path / "none.csv", "--kind", "rank")
    assert (tmp_path / "none.csv").read_text(encoding="utf-8-sig").strip() == ",".join(COLUMN_NAMES)
