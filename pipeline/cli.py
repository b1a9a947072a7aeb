"""The `zhfacts` command line. It only wires stages and reports; stages never print."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from pipeline import __version__

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

app = typer.Typer(
    name="zhfacts",
    help="Every figure in Chinese news and government text as typed records in SQL.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _LazyConsole:
    """A rich Console made when first used: rich costs ~0.1 G instructions (~25 ms) to
    import, and a quiet `zhfacts run` that goes well prints nothing."""

    def __init__(self, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Console | None = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            stream = sys.stderr if self._stderr else sys.stdout
            # not a terminal (a pipe, a file, CI): don't squeeze tables into 80 columns
            width = None if stream.isatty() else 200
            self._console = (Console(stderr=True, highlight=False, width=width) if self._stderr
                             else Console(highlight=False, soft_wrap=True, width=width))
        return getattr(self._console, name)


out: Console = _LazyConsole(stderr=False)  # type: ignore[assignment]
err: Console = _LazyConsole(stderr=True)  # type: ignore[assignment]


def escape(markup: str) -> str:
    """rich's markup escaping, rich imported on first use (see _LazyConsole)."""
    from rich.markup import escape as rich_escape

    return rich_escape(markup)


def _table(**options: Any) -> Table:
    from rich.table import Table

    return Table(**options)

DEFAULT_DB = "facts.db"
DbOption = Annotated[str, typer.Option("--db", help="SQLite file path or any SQLAlchemy URL.")]
ModelOption = Annotated[
    str,
    typer.Option("--model", help="auto (zh_core_web_sm if installed, else LAC) | lac | blank | path or package of a spaCy pipeline."),
]


def _parse_date(value: Optional[str], what: str = "--published") -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=what) from None


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        out.print(f"zhfacts {__version__}")
        raise typer.Exit(0)


@app.command()
def run(
    paths: Annotated[list[Path], typer.Argument(help="Files (.txt, .jsonl, .html) and folders (read recursively).")],
    db: DbOption = DEFAULT_DB,
    model: ModelOption = "auto",
    published: Annotated[Optional[str], typer.Option(help="Publication date YYYY-MM-DD for documents that carry none.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Re-extract documents already stored, replacing their rows.")] = False,
    max_bytes: Annotated[int, typer.Option(help="Refuse files larger than this.")] = 20_000_000,
    workers: Annotated[Optional[int], typer.Option(min=1, help="Worker processes (the model is loaded once in each); with --engine ray, actors (default: the cluster's CPUs).")] = None,
    engine: Annotated[str, typer.Option("--engine", help="local (this machine) | ray (a Ray cluster; see docs/distributed.md).")] = "local",
    address: Annotated[Optional[str], typer.Option("--address", help="Ray cluster address (with --engine ray); default: RAY_ADDRESS or a local Ray.")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what each stage decides (e.g. model checks).")] = False,
) -> None:
    """Extract every figure from ARTICLES into the database, as one recorded run."""
    # not pipeline.store: a run imports SQLAlchemy only once its worker pool has started
    from pipeline.errors import ModelLoadError, StoreError
    from pipeline.run import WorkerDied, describe, run_corpus

    _setup_logging(verbose)
    pub = _parse_date(published)
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _fail(f"no such file or folder: {', '.join(missing)}", 2)
    if engine not in ("local", "ray"):
        raise typer.BadParameter(f"{engine!r} is not local or ray", param_hint="--engine")
    if address and engine != "ray":
        raise typer.BadParameter("--address needs --engine ray", param_hint="--address")
    from pipeline.ingest import count_documents

    progress = None if quiet else RunProgress(count_documents(paths))
    try:
        summary = run_corpus([str(p) for p in paths], db, model=model, published=pub, force=force,
                             max_bytes=max_bytes, workers=workers, engine=engine, address=address,  # type: ignore[arg-type]
                             progress=progress)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except WorkerDied as exc:
        _fail(str(exc), 1)
    except ModelLoadError as exc:  # nothing was run: a usage error, as a missing input is
        _fail(str(exc), 2)
    except StoreError as exc:
        _fail(str(exc), 1)
    finally:
        if progress is not None:
            progress.close()
    info = describe(summary)
    for e in summary.errors:
        where = e.source + (f":{e.line}" if e.line else "")
        err.print(f"[{'red' if e.severity == 'error' else 'yellow'}]{e.severity}:[/] {escape(where)}: {escape(e.message)}")
    if as_json:
        out.print_json(json.dumps(info, ensure_ascii=False))
    elif not quiet:
        _print_summary(info, summary.chars)
    raise typer.Exit(1 if info["errors"] else 0)


class RunProgress:
    """A progress bar (documents, facts, rate, ETA) on a terminal; plain lines otherwise."""

    PLAIN_EVERY_SECONDS = 5.0

    def __init__(self, total: int) -> None:
        self.total = total
        self.started = time.perf_counter()
        self.last_line = self.started
        self.bar: Any = None
        if err.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("[bold]run"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("{task.fields[facts]} facts · {task.fields[rate]} docs/s"),
                                TimeRemainingColumn(), console=err, transient=True)
            self.task = self.bar.add_task("run", total=total or None, facts=0, rate="0.0")
            self.bar.start()

    def __call__(self, summary: Any, doc_id: str) -> None:
        done = summary.documents + summary.skipped + summary.changed
        now = time.perf_counter()
        rate = done / max(now - self.started, 1e-9)
        if self.bar is not None:
            self.bar.update(self.task, completed=done, facts=summary.facts, rate=f"{rate:.1f}")
        elif now - self.last_line >= self.PLAIN_EVERY_SECONDS:
            self.last_line = now
            eta = f", ETA {(self.total - done) / rate:.0f}s" if self.total and rate else ""
            err.print(f"zhfacts run: {done}/{self.total or '?'} documents, {summary.facts} facts, "
                      f"{rate:.1f} docs/s{eta}")

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_summary(info: dict[str, Any], chars: int) -> None:
    table = _table(title=f"zhfacts run {info['run']} — {info['status']}", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("model", info["model"])
    table.add_row("documents", f"{info['documents']} written, {info['skipped']} already stored, {info['changed']} changed (kept)")
    table.add_row("sentences", str(info["sentences"]))
    table.add_row("facts", str(info["facts"]))
    for kind, n in info["facts_by_kind"].items():
        table.add_row(f"  {kind}", str(n))
    table.add_row("errors / warnings", f"{info['errors']} / {info['warnings']}")
    speed = f", {chars / info['seconds']:,.0f} chars/s" if info["seconds"] and chars else ""
    table.add_row("time", f"{info['seconds']:.2f} s{speed}")
    out.print(table)


@app.command()
def extract(
    text: Annotated[Optional[str], typer.Option("--text", "-t", help="The text; read from stdin when absent.")] = None,
    published: Annotated[Optional[str], typer.Option(help="Publication date YYYY-MM-DD, for relative dates.")] = None,
    model: ModelOption = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per fact.")] = False,
) -> None:
    """Print the facts of a snippet, no database: the quickest way to try zhfacts."""
    from pipeline.process import Pipeline, extract_snippet

    pub = _parse_date(published)
    if text is None:
        if sys.stdin.isatty():
            _fail("give --text or pipe text on stdin", 2)
        text = sys.stdin.read()
    facts = extract_snippet(text, pub, pipeline=Pipeline.load(model))
    if as_json:
        for f in facts:
            out.print(json.dumps(f.model_dump(exclude={"id", "run_id", "doc_id"}), ensure_ascii=False))
        return
    table = _table(show_lines=False)
    for col in ("kind", "surface", "value", "unit", "qualifier", "date", "measure", "subject", "change"):
        table.add_column(col)
    for f in facts:
        value = _fmt_value(f.value, f.value_max)
        date_text = f.date + (f"..{f.date_end}" if f.date_end else "") if f.date else ""
        change = {"up": "↑", "down": "↓"}.get(f.direction or "", "yes") if f.change else ""
        table.add_row(f.kind, escape(f.surface), value, f.unit, f.qualifier, date_text, escape(f.measure or ""),
                      escape(f.subject or ""), change)
    out.print(table)


def _fmt_value(value: float | None, value_max: float | None) -> str:
    def one(v: float) -> str:
        return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.4g}"
    if value is None:
        return ""
    return one(value) + (f"–{one(value_max)}" if value_max is not None else "")


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="A SELECT statement, e.g. over the `facts_view` view.")],
    db: DbOption = DEFAULT_DB,
    as_json: Annotated[bool, typer.Option("--json", help="Rows as JSON lines.")] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Rows as CSV.")] = False,
) -> None:
    """Run read-only SQL over the database and print a table. Writes are refused."""
    from pipeline.store import StoreError, run_query

    try:
        columns, rows = run_query(db, sql)
    except StoreError as exc:
        _fail(str(exc), 2)
    if as_json:
        for row in rows:
            out.print(json.dumps(dict(zip(columns, row)), ensure_ascii=False, default=str))
    elif csv_out:
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
    else:
        table = _table()
        for c in columns:
            table.add_column(c, overflow="fold")
        for row in rows:
            table.add_row(*[escape("" if v is None else str(v)) for v in row])
        out.print(table)
        out.print(f"{len(rows)} row{'s' if len(rows) != 1 else ''}")


@app.command()
def show(
    fact_id: Annotated[int, typer.Argument(help="The fact's id (facts.id).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Print one fact with its sentence, the figure marked."""
    from pipeline.store import StoreError

    try:
        columns, rows = _fact_row(db, fact_id)
    except StoreError as exc:
        _fail(str(exc), 2)
    if not rows:
        _fail(f"no fact with id {fact_id}", 1)
    fact = dict(zip(columns, rows[0]))
    _, srows = _sentence_row(db, fact["doc_id"], fact["sentence_index"])
    s_start, s_text = srows[0] if srows else (fact["start"], fact["surface"])
    a, b = fact["start"] - s_start, fact["end"] - s_start
    out.print(f"[bold]fact {fact_id}[/bold]  {escape(fact['doc_id'])}  {escape(fact['title'] or '')}")
    out.print(escape(s_text[:a]) + "[reverse bold]" + escape(s_text[a:b]) + "[/]" + escape(s_text[b:]))
    table = _table(show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for key in ("kind", "surface", "value", "value_max", "unit", "qualifier", "base_value", "base_unit", "date",
                "date_end", "measure", "subject", "change", "direction", "basis", "start", "end", "published", "run_id"):
        if fact.get(key) is not None:
            table.add_row(key, escape(str(fact[key])))
    out.print(table)


def _fact_row(db: str, fact_id: int) -> tuple[list[str], list[Any]]:
    from pipeline.store import read_connection
    from sqlalchemy import text as sql_text

    with read_connection(db) as conn:
        result = conn.execute(sql_text("SELECT * FROM facts_view WHERE fact_id = :id"), {"id": fact_id})
        return list(result.keys()), result.fetchall()


def _sentence_row(db: str, doc_id: str, index: int) -> tuple[list[str], list[Any]]:
    from pipeline.store import read_connection
    from sqlalchemy import text as sql_text

    with read_connection(db) as conn:
        result = conn.execute(sql_text('SELECT start, text FROM sentences WHERE doc_id = :d AND "index" = :i'),
                              {"d": doc_id, "i": index})
        return list(result.keys()), result.fetchall()


@app.command()
def runs(db: DbOption = DEFAULT_DB) -> None:
    """List runs: version, model, config hash, counts, duration, status."""
    from pipeline.store import StoreError, run_query

    try:
        columns, rows = run_query(
            db,
            "SELECT id, started, finished, status, version, model, config_hash, documents, skipped, sentences, facts, errors FROM runs ORDER BY id",
        )
    except StoreError as exc:
        _fail(str(exc), 2)
    table = _table()
    for c in ("id", "started", "duration", "status", "version", "model", "config", "docs", "skipped", "sentences", "facts", "errors"):
        table.add_column(c)
    for r in rows:
        row = dict(zip(columns, r))
        duration = ""
        if row["finished"] and row["started"]:
            from datetime import datetime

            fin, st = (datetime.fromisoformat(str(row[k])) for k in ("finished", "started"))
            duration = f"{(fin - st).total_seconds():.1f}s"
        table.add_row(*(str(x) for x in (row["id"], str(row["started"])[:19], duration, row["status"], row["version"],
                                          row["model"], row["config_hash"], row["documents"], row["skipped"],
                                          row["sentences"], row["facts"], row["errors"])))
    out.print(table)


@app.command()
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold JSONL (see shared/eval/FORMAT.md).", exists=True, dir_okay=False)],
    model: ModelOption = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
    errors: Annotated[bool, typer.Option("--errors", help="List every miss, false positive and wrong value.")] = False,
) -> None:
    """Score the pipeline on gold annotations: span P/R/F1, value accuracy, end-to-end F1, measure and subject."""
    from pipeline.evaluate import evaluate_documents, load_gold
    from pipeline.process import Pipeline

    ev = evaluate_documents(load_gold(gold), Pipeline.load(model))
    result = ev.as_dict()
    if as_json:
        if errors:
            result["errors"] = ev.errors
        out.print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    if errors:
        for e in ev.errors:
            p, g = e["predicted"], e["gold"]
            out.print(f"[bold]{e['error']}[/bold] {e['doc_id']}: {escape(e['sentence'][:160])}")
            if g:
                out.print(f"   gold: {escape(json.dumps(g, ensure_ascii=False))}")
            if p:
                out.print(f"   pred: {escape(json.dumps(p, ensure_ascii=False))}")
    table = _table(title=f"zhfacts evaluate {gold.name} — model {ev.model}")
    for c in ("kind", "P", "R", "F1", "value acc", "e2e F1", "measure", "subject", "tp", "fp", "fn"):
        table.add_column(c, justify="right" if c != "kind" else "left")

    def row(name: str, s: dict[str, Any]) -> None:
        table.add_row(name, *("–" if s[k] is None else f"{s[k]:.3f}"
                              for k in ("precision", "recall", "f1", "value_accuracy", "e2e_f1",
                                        "measure_accuracy", "subject_accuracy")),
                      str(s["tp"]), str(s["fp"]), str(s["fn"]))

    for kind, s in result["by_kind"].items():
        row(kind, s)
    row("overall", result["overall"])
    out.print(table)


# analysts: export, review page, report, schema migrations ----------------------------
@app.command()
def export(
    out_path: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
    db: DbOption = DEFAULT_DB,
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="csv | jsonl | parquet | xlsx (default: from --out's extension).")] = None,
    kinds: Annotated[Optional[list[str]], typer.Option("--kind", "-k", help="Only this kind (repeat for several).")] = None,
    since: Annotated[Optional[str], typer.Option(help="Only documents published on or after YYYY-MM-DD.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Only documents published on or before YYYY-MM-DD.")] = None,
    where: Annotated[Optional[str], typer.Option(help="An SQL condition over facts_view, e.g. \"subject = '全市'\".")] = None,
) -> None:
    """Write one row per fact (with its sentence) to CSV, JSON lines, Parquet or Excel."""
    from pipeline.export import FORMATS, ExportFilter, export_facts, format_from_path
    from pipeline.store import StoreError

    chosen = (fmt or format_from_path(out_path) or "").lower()
    if chosen not in FORMATS:
        _fail(f"give --format ({' | '.join(FORMATS)}); cannot tell it from {out_path.name!r}", 2)
    flt = ExportFilter(kinds=tuple(kinds or ()), since=_parse_date(since, "--since"), until=_parse_date(until, "--until"),
                       where=where)
    try:
        n = export_facts(db, out_path, chosen, flt)  # type: ignore[arg-type]
    except StoreError as exc:
        _fail(str(exc), 2)
    err.print(f"{n} fact{'s' if n != 1 else ''} → {escape(str(out_path))}")


@app.command()
def review(
    out_path: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path("review.html"),
    db: DbOption = DEFAULT_DB,
) -> None:
    """Write one self-contained HTML page: every fact highlighted in its sentence, filter by kind, search."""
    from pipeline.review import write_review
    from pipeline.store import StoreError

    try:
        n = write_review(db, out_path)
    except StoreError as exc:
        _fail(str(exc), 2)
    err.print(f"{n} fact{'s' if n != 1 else ''} → {escape(str(out_path))}")


@app.command()
def report(
    out_path: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")] = Path("report.html"),
    db: DbOption = DEFAULT_DB,
) -> None:
    """Write a self-contained HTML overview: facts by kind, top measures, money by subject, timeline."""
    from pipeline.report import write_report
    from pipeline.store import StoreError

    try:
        data = write_report(db, out_path)
    except StoreError as exc:
        _fail(str(exc), 2)
    err.print(f"{data.totals['facts']} facts, {data.totals['documents']} documents → {escape(str(out_path))}")


db_app = typer.Typer(help="The database schema: see its revision, upgrade it.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(
    db: DbOption = DEFAULT_DB,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Bring a database made by an older zhfacts to the current schema (data kept)."""
    from pipeline.migrations import upgrade
    from pipeline.store import make_engine

    if "://" not in db and not Path(db).exists():
        _fail(f"no database at {db}", 2)
    engine = make_engine(db)
    try:
        before, after = upgrade(engine, revision)
    except Exception as exc:  # a migration failed: it was rolled back, say why
        _fail(f"upgrade failed: {str(getattr(exc, 'orig', exc)).splitlines()[0]}", 1)
    finally:
        engine.dispose()
    if before == after:
        out.print(f"{escape(db)}: already at {after}")
    else:
        out.print(f"{escape(db)}: {before or 'empty'} → {after}")


@db_app.command("current")
def db_current(db: DbOption = DEFAULT_DB) -> None:
    """Print the database's schema revision and the one this zhfacts needs."""
    from pipeline.migrations import HEAD, schema_revision
    from pipeline.store import StoreError, make_engine

    try:
        engine = make_engine(db, readonly=True)
    except StoreError as exc:
        _fail(str(exc), 2)
    try:
        with engine.connect() as conn:
            revision = schema_revision(conn)
    finally:
        engine.dispose()
    note = "up to date" if revision == HEAD else "run `zhfacts db upgrade`"
    out.print(f"{revision or 'empty'} (this zhfacts: {HEAD}; {note})")


if __name__ == "__main__":  # pragma: no cover
    app()
