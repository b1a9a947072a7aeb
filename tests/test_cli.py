"""End to end: the CLI on the seeds, checked in the database."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
runner = CliRunner()


def zhfacts(*args: str) -> "object":
    return runner.invoke(app, [str(a) for a in args], catch_exceptions=False)


def rows(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture(scope="module")
def seeds_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("e2e") / "facts.db"
    result = zhfacts("run", SEEDS, "--db", db, "--model", "blank", "--quiet")
    assert result.exit_code == 0, result.output
    return db


def test_run_stores_documents_sentences_and_facts(seeds_db):
    docs = dict(rows(seeds_db, "SELECT id, published FROM documents"))
    assert docs == {"000_ee6c23fa554db40a": "2024-06-05", "003_24b2b01388e8f82b": None}
    (n_sent,) = rows(seeds_db, "SELECT count(*) FROM sentences")[0]
    (n_fact,) = rows(seeds_db, "SELECT count(*) FROM facts")[0]
    assert n_sent > 200 and n_fact > 100
    kinds = {k for (k,) in rows(seeds_db, "SELECT DISTINCT kind FROM facts")}
    assert {"money", "area", "count", "percent", "date"} <= kinds
    (run,) = rows(seeds_db, "SELECT status, model, documents, facts FROM runs")
    assert run == ("ok", "blank", 2, n_fact)


def test_raw_offsets_hold_for_every_sentence_and_fact(seeds_db):
    raw = dict(rows(seeds_db, "SELECT id, raw_text FROM documents"))
    for doc_id, start, end, text in rows(seeds_db, "SELECT doc_id, start, \"end\", text FROM sentences"):
        assert raw[doc_id][start:end] == text
    for doc_id, start, end, surface in rows(seeds_db, "SELECT doc_id, start, \"end\", surface FROM facts"):
        assert raw[doc_id][start:end] == surface
    # raw files on disk are what the offsets index
    assert raw["000_ee6c23fa554db40a"] == (SEEDS / "000_ee6c23fa554db40a.txt").read_text(encoding="utf-8")


def test_money_facts_named_in_the_issue(seeds_db):
    money = rows(seeds_db, "SELECT value, unit, measure, subject FROM facts WHERE kind = 'money'")
    values = {v for v, *_ in money}
    assert {550_000_000, 18_650_000_000} <= values
    ((unit, measure, subject),) = [(u, m, s) for v, u, m, s in money if v == 550_000_000]
    assert unit == "CNY" and measure == "总投资"
    assert subject is not None and subject.startswith("河南钜盛")


def test_rerun_adds_no_rows_and_force_replaces(tmp_path):
    db = tmp_path / "f.db"
    seed = tmp_path / "in"
    seed.mkdir()
    shutil.copy(SEEDS / "003_24b2b01388e8f82b.txt", seed / "a.txt")
    assert zhfacts("run", seed, "--db", db, "--model", "blank", "-q").exit_code == 0
    counts = [rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in ("documents", "sentences", "facts")]
    ids = rows(db, "SELECT id FROM facts ORDER BY id")

    second = zhfacts("run", seed, "--db", db, "--model", "blank", "--json")
    assert second.exit_code == 0
    summary = json.loads(second.output)
    assert (summary["documents"], summary["skipped"], summary["facts"]) == (0, 1, 0)
    assert [rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in ("documents", "sentences", "facts")] == counts
    assert rows(db, "SELECT id FROM facts ORDER BY id") == ids

    forced = zhfacts("run", seed, "--db", db, "--model", "blank", "--force", "-q")
    assert forced.exit_code == 0
    assert [rows(db, f"SELECT count(*) FROM {t}")[0][0] for t in ("documents", "sentences", "facts")] == counts
    assert rows(db, "SELECT count(*) FROM runs")[0][0] == 3
    assert rows(db, "SELECT DISTINCT run_id FROM facts") == [(3,)]  # replaced by the forcing run
    assert min(rows(db, "SELECT id FROM facts")) > max(ids)  # new ids: an old id never names a new fact


def test_query_prints_rows_and_refuses_writes(seeds_db):
    ok = zhfacts("query", "SELECT kind, count(*) AS n FROM facts GROUP BY kind ORDER BY kind", "--db", seeds_db, "--json")
    assert ok.exit_code == 0
    got = {r["kind"]: r["n"] for r in map(json.loads, ok.output.splitlines())}
    assert got == dict(rows(seeds_db, "SELECT kind, count(*) FROM facts GROUP BY kind"))
    refused = zhfacts("query", "DROP TABLE facts", "--db", seeds_db)
    assert refused.exit_code == 2
    assert "read-only" in refused.output
    assert rows(seeds_db, "SELECT count(*) FROM facts")[0][0] > 0


def test_show_marks_the_figure_in_its_sentence(seeds_db):
    ((fact_id, surface, sentence),) = rows(
        seeds_db, "SELECT fact_id, surface, sentence FROM facts_view WHERE value = 550000000 AND kind = 'money'")
    result = zhfacts("show", fact_id, "--db", seeds_db)
    assert result.exit_code == 0
    assert surface in result.output and sentence[:10] in result.output
    assert zhfacts("show", 10**9, "--db", seeds_db).exit_code == 1


@pytest.mark.parametrize(
    "text, published, expected",
    [
        ("项目总投资5.5亿元，占地约122亩。", None,
         [("money", "5.5亿元", 550000000.0, "CNY", "exact"), ("area", "约122亩", 122.0, "mu", "approx")]),
        ("目前全市有网格员近2.3万名。", None, [("count", "近2.3万名", 23000.0, "count", "approx")]),
    ],
)
def test_extract_prints_facts_as_json(text, published, expected):
    args = ["extract", "--text", text, "--model", "blank", "--json"] + (["--published", published] if published else [])
    result = zhfacts(*args)
    assert result.exit_code == 0, result.output
    got = [json.loads(line) for line in result.output.splitlines()]
    assert [(f["kind"], f["surface"], f["value"], f["unit"], f["qualifier"]) for f in got] == expected


def test_extract_reads_stdin():
    result = runner.invoke(app, ["extract", "--model", "blank", "--json"], input="营业收入同比增长55%。")
    assert result.exit_code == 0
    (fact,) = [json.loads(line) for line in result.output.splitlines()]
    assert (fact["surface"], fact["value"], fact["unit"], fact["change"]) == ("55%", 55.0, "percent", True)


def test_bad_published_is_a_usage_error(tmp_path):
    result = zhfacts("run", SEEDS, "--db", tmp_path / "x.db", "--published", "2024-13-01")
    assert result.exit_code == 2
    assert "not a date" in result.output


def test_bad_jsonl_lines_are_errors_and_the_run_goes_on(tmp_path):
    src = tmp_path / "docs.jsonl"
    src.write_text(
        json.dumps({"id": "good", "text": "总投资5.5亿元。", "published": "2024-01-02"}, ensure_ascii=False) + "\n"
        + "{not json\n"
        + json.dumps({"id": "no-text"}) + "\n",
        encoding="utf-8",
    )
    db = tmp_path / "f.db"
    result = zhfacts("run", src, "--db", db, "--model", "blank", "-q")
    assert result.exit_code == 1
    assert rows(db, "SELECT id, published FROM documents") == [("good", "2024-01-02")]
    errors = rows(db, "SELECT source, line FROM errors WHERE severity = 'error' ORDER BY line")
    assert [line for _, line in errors] == [2, 3]
    assert all(str(src) in source for source, _ in errors)
    assert rows(db, "SELECT status FROM runs") == [("partial",)]


def test_run_with_a_saved_spacy_pipeline_path(tmp_path):
    import spacy

    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "ORG", "pattern": "河南钜盛先导新材料科技有限公司"}])
    model_dir = tmp_path / "tiny_model"
    nlp.to_disk(model_dir)
    db = tmp_path / "f.db"
    result = zhfacts("run", SEEDS, "--db", db, "--model", model_dir, "-q")
    assert result.exit_code == 0, result.output
    (model,) = rows(db, "SELECT model FROM runs")[0]
    assert str(model_dir) in model or "tiny_model" in model
    assert rows(db, "SELECT count(*) FROM facts WHERE value = 550000000")[0][0] == 1


def test_console_script_is_installed():
    exe = Path(sys.executable).parent / "zhfacts"
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("run", "extract", "query", "show", "evaluate", "runs"):
        assert command in result.stdout


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_blank_run_never_imports_spacy(tmp_path, workers):
    """The fast profile: spaCy and numpy cost ~1.4 s of imports that `blank` has no use for."""
    db = tmp_path / "f.db"
    code = ("import sys; from typer.testing import CliRunner; from pipeline.cli import app; "
            f"r = CliRunner().invoke(app, ['run', {str(SEEDS)!r}, '--db', {str(db)!r}, '--model', 'blank', "
            f"'--workers', {workers!r}, '-q']); "
            "print(r.exit_code, sorted({m.split('.')[0] for m in sys.modules} & {'spacy', 'numpy', 'onnxruntime', 'rich'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[-2] == "0 []"  # nor rich: a quiet run that goes well prints nothing
    assert rows(db, "SELECT model, documents FROM runs") == [("blank", 2)]
