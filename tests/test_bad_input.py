"""The CLI over tests/corpus: real-looking files in every encoding, HTML, and bad input.

Each good file is stored with its encoding and yields the same facts as the UTF-8 text;
each bad one is one error row naming its file (and line), and the run goes on.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app

CORPUS = Path(__file__).parent / "corpus"


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory) -> tuple[Path, object]:
    db = tmp_path_factory.mktemp("corpus") / "f.db"
    result = CliRunner().invoke(app, ["run", str(CORPUS), "--db", str(db), "--model", "blank", "-q"])
    return db, result


def rows(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_exit_status_says_some_documents_failed(corpus_db):
    _, result = corpus_db
    assert result.exit_code == 1
    assert "binary.txt:3: binary file" in result.output


@pytest.mark.parametrize(
    "doc_id, encoding, fmt",
    [
        ("news_utf8", "utf-8", "txt"), ("news_utf8_bom", "utf-8", "txt"), ("news_gbk", "gbk", "txt"),
        ("news_big5", "big5", "txt"), ("news_utf16", "utf-16-le", "txt"), ("news_utf16be", "utf-16-be", "txt"),
        ("page", "utf-8", "html"), ("page_gbk", "gbk", "html"),
    ],
)
def test_each_encoding_is_recorded_and_yields_the_utf8_facts(corpus_db, doc_id, encoding, fmt):
    db, _ = corpus_db
    assert rows(db, f"SELECT encoding, format FROM documents WHERE id = '{doc_id}'") == [(encoding, fmt)]
    reference = "page" if fmt == "html" else "news_utf8"
    facts = "SELECT kind, value, value_max, unit, qualifier, date, start, \"end\" FROM facts WHERE doc_id = '{}' ORDER BY start"
    got, want = rows(db, facts.format(doc_id)), rows(db, facts.format(reference))
    assert got == want and len(want) >= 8


def test_offsets_index_the_stored_raw_text_in_every_encoding(corpus_db):
    db, _ = corpus_db
    raw = dict(rows(db, "SELECT id, raw_text FROM documents"))
    for doc_id, start, end, surface in rows(db, "SELECT doc_id, start, \"end\", surface FROM facts"):
        assert raw[doc_id][start:end] == surface


def test_bad_input_is_one_error_row_each_naming_file_and_line(corpus_db):
    db, _ = corpus_db
    errors = {(Path(source).name, line, severity) for source, line, severity in
              rows(db, "SELECT source, line, severity FROM errors")}
    assert errors == {
        ("binary.txt", 3, "error"), ("blank.txt", None, "error"), ("empty.txt", None, "error"),
        ("damaged.txt", 9, "error"),
        # docs.jsonl: malformed JSON, missing text, missing id, duplicate id, bad date, not an object
        ("docs.jsonl", 3, "error"), ("docs.jsonl", 4, "error"), ("docs.jsonl", 5, "error"),
        ("docs.jsonl", 6, "error"), ("docs.jsonl", 7, "error"), ("docs.jsonl", 10, "error"),
        ("truncated.txt", 11, "warning"),  # stored without its cut last character
    }
    # the good JSONL lines around the bad ones are stored
    assert rows(db, "SELECT id FROM documents WHERE format = 'jsonl' ORDER BY id") == [("j1",), ("j2",), ("j8",)]
    assert rows(db, "SELECT status, errors FROM runs") == [("partial", 10)]


# --- a run that cannot start: one line naming the problem, no traceback ---------------------

@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize(
    "db, model, code, message",
    [
        ("{tmp}/no/such/folder/f.db", "blank", 1, "error: cannot open the database {tmp}/no/such/folder/f.db: "
                                                  "unable to open database file"),
        # a server that is not there; the password never appears in the message
        ("postgresql+psycopg://zh:secret@127.0.0.1:9/facts", "blank", 1,
         "error: cannot open the database postgresql+psycopg://zh:***@127.0.0.1:9/facts: connection failed"),
        ("{tmp}/f.db", "no_such_model", 2, "error: cannot load NLP model 'no_such_model': not 'auto', 'lac' or 'blank'"),
    ],
)
def test_a_run_that_cannot_start_says_why_in_one_line(tmp_path, db, model, code, message, workers):
    db, message = db.format(tmp=tmp_path), message.format(tmp=tmp_path)
    result = CliRunner().invoke(app, ["run", str(CORPUS / "news_gbk.txt"), "--db", db, "--model", model,
                                      "--workers", workers, "-q"])
    assert result.exit_code == code
    assert " ".join(result.output.split()).startswith(message)  # rich may wrap a long line
    assert "Traceback" not in result.output and "secret" not in result.output
