"""Export facts for analysts: CSV (Excel-ready), JSON lines, Parquet and XLSX.

One row per fact, read from `facts_view` on a read-only connection and streamed in
batches: CSV and JSONL never hold more than one batch, Parquet is written one record
batch at a time, XLSX uses openpyxl's write-only mode. Values keep their types in every
format that has types (dates as dates, `change` as a boolean, offsets as integers).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import text

from pipeline.store import StoreError, check_read_only_sql, read_connection

ExportFormat = Literal["csv", "jsonl", "parquet", "xlsx"]
FORMATS: tuple[str, ...] = ("csv", "jsonl", "parquet", "xlsx")

# (column in facts_view, type) in export order. `fact_id` first so a row leads back to
# `zhfacts show ID`; `sentence` is the sentence text; start/end are raw document offsets.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("fact_id", "int"),
    ("doc_id", "str"),
    ("title", "str"),
    ("published", "date"),
    ("sentence", "str"),
    ("kind", "str"),
    ("surface", "str"),
    ("value", "float"),
    ("value_max", "float"),
    ("unit", "str"),
    ("qualifier", "str"),
    ("base_value", "float"),
    ("base_unit", "str"),
    ("date", "str"),
    ("measure", "str"),
    ("subject", "str"),
    ("change", "bool"),
    ("start", "int"),
    ("end", "int"),
    ("run_id", "int"),
)
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in COLUMNS)

BATCH_ROWS = 5_000
XLSX_MAX_ROWS = 1_048_576 - 1  # Excel's sheet limit, minus the header row


@dataclass(frozen=True)
class ExportFilter:
    kinds: Sequence[str] = ()
    since: date | None = None  # on the document's `published` date, inclusive
    until: date | None = None
    where: str | None = None  # an SQL condition over facts_view's columns


def check_where_condition(condition: str) -> None:
    """Refuse a `--where` fragment that could be more than one read-only condition.

    The statement then runs on a read-only connection anyway; this gives a clear message
    first and keeps the fragment from ending the statement or commenting out the rest.
    """
    no_strings = re.sub(r"'(?:[^']|'')*'", "''", condition)
    if ";" in no_strings or "--" in no_strings or "/*" in no_strings:
        raise StoreError("--where takes one SQL condition: no ';' and no comments")
    depth = 0
    for char in no_strings:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        raise StoreError("--where has unbalanced parentheses")
    check_read_only_sql(f"SELECT 1 FROM facts_view WHERE ({condition})")


def build_query(flt: ExportFilter) -> tuple[str, dict[str, Any]]:
    cols = ", ".join(f'"{name}"' for name in COLUMN_NAMES)
    conditions: list[str] = []
    params: dict[str, Any] = {}
    if flt.kinds:
        names = [f"kind_{i}" for i in range(len(flt.kinds))]
        conditions.append(f"kind IN ({', '.join(':' + n for n in names)})")
        params.update(zip(names, flt.kinds))
    # ISO strings compare correctly with SQLite's stored dates and are cast by PostgreSQL
    if flt.since is not None:
        conditions.append("published >= :since")
        params["since"] = flt.since.isoformat()
    if flt.until is not None:
        conditions.append("published <= :until")
        params["until"] = flt.until.isoformat()
    if flt.where:
        check_where_condition(flt.where)
        conditions.append(f"({flt.where})")
    sql = f"SELECT {cols} FROM facts_view"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    sql += " ORDER BY doc_id, start, fact_id"
    check_read_only_sql(sql)
    return sql, params


def _typed(row: Sequence[Any]) -> tuple[Any, ...]:
    """Driver values -> Python types (SQLite returns dates as text and booleans as 0/1)."""
    out: list[Any] = []
    for (_, kind), value in zip(COLUMNS, row):
        if value is None:
            out.append(None)
        elif kind == "date":
            out.append(value if isinstance(value, date) else date.fromisoformat(str(value)[:10]))
        elif kind == "bool":
            out.append(bool(value))
        elif kind == "int":
            out.append(int(value))
        elif kind == "float":
            out.append(float(value))
        else:
            out.append(value)
    return tuple(out)


def iter_fact_batches(db: str, flt: ExportFilter = ExportFilter(), batch_rows: int = BATCH_ROWS) -> Iterator[list[tuple[Any, ...]]]:
    """Typed fact rows in batches, straight from the cursor."""
    sql, params = build_query(flt)
    with read_connection(db) as conn:
        try:
            result = conn.execution_options(stream_results=True).execute(text(sql), params)
        except Exception as exc:  # a bad --where: the driver's message is what the user needs
            raise StoreError(f"export query failed: {str(getattr(exc, 'orig', exc)).splitlines()[0]}") from exc
        for part in result.partitions(batch_rows):
            yield [_typed(row) for row in part]


def export_facts(db: str, out: str | Path, fmt: ExportFormat, flt: ExportFilter = ExportFilter()) -> int:
    """Write the facts matching `flt` to `out`; return how many rows were written."""
    writer = {"csv": _write_csv, "jsonl": _write_jsonl, "parquet": _write_parquet, "xlsx": _write_xlsx}.get(fmt)
    if writer is None:
        raise StoreError(f"unknown export format {fmt!r} (choose from {', '.join(FORMATS)})")
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    # write next to the target and rename: a failed export never leaves half a file
    partial = path.with_name(path.name + ".partial")
    try:
        n = writer(iter_fact_batches(db, flt), partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return n


def format_from_path(path: str | Path) -> str | None:
    suffix = Path(path).suffix.lower().lstrip(".")
    return {"csv": "csv", "jsonl": "jsonl", "ndjson": "jsonl", "parquet": "parquet", "xlsx": "xlsx"}.get(suffix)


# writers --------------------------------------------------------------------------
Batches = Iterator[list[tuple[Any, ...]]]


def _write_csv(batches: Batches, path: Path) -> int:
    n = 0
    # utf-8-sig: the BOM makes Excel read the file as UTF-8 (Chinese text intact)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMN_NAMES)
        for batch in batches:
            writer.writerows(tuple(_csv_cell(v) for v in row) for row in batch)
            n += len(batch)
    return n


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    return value


def _write_jsonl(batches: Batches, path: Path) -> int:
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        for batch in batches:
            for row in batch:
                record = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in zip(COLUMN_NAMES, row)}
                fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += len(batch)
    return n


def arrow_schema() -> Any:
    import pyarrow as pa

    types = {"int": pa.int64(), "str": pa.string(), "date": pa.date32(), "float": pa.float64(), "bool": pa.bool_()}
    return pa.schema([pa.field(name, types[kind]) for name, kind in COLUMNS])


def _write_parquet(batches: Batches, path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = arrow_schema()
    n = 0
    with pq.ParquetWriter(path, schema) as writer:
        for batch in batches:
            columns = list(zip(*batch))
            writer.write_batch(pa.record_batch([pa.array(col, type=f.type) for col, f in zip(columns, schema)], schema=schema))
            n += len(batch)
        if n == 0:  # an empty export is still a readable file with the schema
            writer.write_table(schema.empty_table())
    return n


# Widths in Excel character units; Chinese characters count about double.
_XLSX_WIDTHS: dict[str, float] = {
    "fact_id": 8, "doc_id": 22, "title": 30, "published": 11, "sentence": 70, "kind": 10, "surface": 16,
    "value": 14, "value_max": 14, "unit": 8, "qualifier": 9, "base_value": 16, "base_unit": 9, "date": 11,
    "measure": 16, "subject": 18, "change": 8, "start": 8, "end": 8, "run_id": 7,
}


def _write_xlsx(batches: Batches, path: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("facts")
    ws.freeze_panes = "A2"
    for i, name in enumerate(COLUMN_NAMES, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _XLSX_WIDTHS.get(name, 12)
    bold = Font(bold=True)
    header = []
    for name in COLUMN_NAMES:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)

    def cell_for(value: Any, kind: str) -> Any:
        if value is None or kind != "str":
            cell = WriteOnlyCell(ws, value=value)
            if kind == "date" and value is not None:
                cell.number_format = "yyyy-mm-dd"
            return cell
        cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        cell.data_type = "s"  # text starting with '=' stays text, never a formula
        return cell

    n = 0
    for batch in batches:
        if n + len(batch) > XLSX_MAX_ROWS:
            raise StoreError(f"more than {XLSX_MAX_ROWS:,} facts do not fit one Excel sheet: filter, or export csv/parquet")
        for row in batch:
            ws.append([cell_for(v, kind) for v, (_, kind) in zip(row, COLUMNS)])
        n += len(batch)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{n + 1}"
    wb.save(path)
    return n
