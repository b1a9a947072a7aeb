"""Ingest: every file kind, every encoding, and bad input reported instead of raised."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ingest import iter_documents
from pipeline.normalise import normalise
from schemas.records import DocumentError, RawDocument
from tests.conftest import SEEDS

CORPUS = Path(__file__).resolve().parent / "corpus"
TITLE = "我市一季度经济运行稳中向好"


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[RawDocument | DocumentError]]:
    """What ingest yields for the corpus folder, grouped by file name."""
    out: dict[str, list[RawDocument | DocumentError]] = {}
    for item in iter_documents([CORPUS]):
        out.setdefault(Path(item.source.split(":")[0]).name if isinstance(item, DocumentError)
                       else _file_of(item), []).append(item)
    return out


def _file_of(doc: RawDocument) -> str:
    return "docs.jsonl" if doc.format == "jsonl" else Path(doc.source).name


def test_corpus_script_writes_the_committed_files(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for file in tmp_path.iterdir():
        assert (CORPUS / file.name).read_bytes() == file.read_bytes(), file.name


# file -> (encoding, format)
ENCODED = {
    "news_utf8.txt": ("utf-8", "txt"),
    "news_utf8_bom.txt": ("utf-8", "txt"),
    "news_utf16.txt": ("utf-16-le", "txt"),
    "news_utf16be.txt": ("utf-16-be", "txt"),
    "news_gbk.txt": ("gbk", "txt"),
    "news_big5.txt": ("big5", "txt"),
    "page.html": ("utf-8", "html"),
    "page_gbk.htm": ("gbk", "html"),
}


@pytest.mark.parametrize("name", sorted(ENCODED))
def test_encodings(corpus: dict, name: str) -> None:
    [doc] = corpus[name]
    assert isinstance(doc, RawDocument)
    encoding, fmt = ENCODED[name]
    assert (doc.encoding, doc.format) == (encoding, fmt)
    assert doc.doc_id == Path(name).stem
    assert doc.source == str(CORPUS / name)
    assert doc.published == date(2024, 3, 8)
    assert doc.published_from == ("metadata" if fmt == "html" else "masthead")
    assert not doc.text.startswith("\ufeff")
    reference = (CORPUS / "news_utf8.txt").read_text(encoding="utf-8")
    if name == "news_big5.txt":  # Traditional as written; the same once normalised
        assert doc.title == "我市一季度經濟運行穩中向好"
        assert normalise(doc.text).text == normalise(reference).text
    elif fmt == "txt":
        assert doc.title == TITLE
        assert doc.text == reference
    else:
        assert doc.title == TITLE
        assert doc.text.splitlines() == [
            TITLE,
            "本报讯(记者 张明)今年一季度,全市地区生产总值完成812.6亿元,同比增长5.8%。",
            "全市新增城镇就业1.2万人,城镇调查失业率为5.1%。",
            "进出口总额完成48.7亿元,其中出口32.1亿元。",
            "小麦长势良好。",
        ]  # no script, style, nav, header, footer or comment


# file -> [(severity, line, message fragment)]
BAD = {
    "empty.txt": [("error", None, "empty file")],
    "blank.txt": [("error", None, "empty file")],
    "binary.txt": [("error", 3, "binary")],
    "damaged.txt": [("error", 9, "undecodable bytes")],
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files(corpus: dict, name: str) -> None:
    got = [(e.severity, e.line, e.message) for e in corpus[name]]
    assert all(isinstance(e, DocumentError) for e in corpus[name])
    assert len(got) == len(BAD[name])
    for (severity, line, message), expected in zip(got, BAD[name]):
        assert (severity, line) == expected[:2]
        assert expected[2] in message
    assert all(e.source == str(CORPUS / name) and e.stage == "ingest" for e in corpus[name])


def test_truncated_utf8_keeps_the_whole_part(corpus: dict) -> None:
    warning, doc = corpus["truncated.txt"]
    assert isinstance(warning, DocumentError) and warning.severity == "warning"
    assert warning.line == 11 and "truncated UTF-8" in warning.message
    assert isinstance(doc, RawDocument)
    assert doc.text.endswith("其中出口32.1亿")


def test_jsonl(corpus: dict) -> None:
    items = corpus["docs.jsonl"]
    docs = [i for i in items if isinstance(i, RawDocument)]
    errors = [i for i in items if isinstance(i, DocumentError)]
    assert [(d.doc_id, d.source, d.title, d.published, d.published_from) for d in docs] == [
        ("j1", f"{CORPUS / 'docs.jsonl'}:1", "一季度经济", date(2024, 4, 20), "metadata"),
        ("j2", "wire:42", None, None, None),
        ("j8", f"{CORPUS / 'docs.jsonl'}:9", None, date(2024, 5, 6), "masthead"),
    ]
    assert all(d.format == "jsonl" for d in docs)
    assert [(e.line, e.doc_id) for e in errors] == [(3, None), (4, "j4"), (5, None), (6, "j1"), (7, "j7"), (10, None)]
    messages = [e.message for e in errors]
    for fragment, message in zip(["malformed JSON", "missing 'text'", "missing or empty 'id'", "duplicate",
                                  "'published' is not a date", "expected a JSON object"], messages):
        assert fragment in message
    assert all(e.source == str(CORPUS / "docs.jsonl") for e in errors)


def test_seeds() -> None:
    docs = {d.doc_id: d for d in iter_documents([SEEDS])}
    seed0, seed3 = docs["000_ee6c23fa554db40a"], docs["003_24b2b01388e8f82b"]
    assert (seed0.published, seed0.published_from) == (date(2024, 6, 5), "masthead")
    assert seed0.title.startswith("魏建平在全市招商引资工作会议上强调")
    assert (seed3.published, seed3.published_from) == (None, None)
    assert seed3.title is None  # opens with body text
    assert seed0.text == (SEEDS / "000_ee6c23fa554db40a.txt").read_text(encoding="utf-8")


def test_published_precedence(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("新乡日报\n2024年6月5日 星期三\n标题\n正文。", encoding="utf-8")
    (tmp_path / "b.txt").write_text("正文没有日期。", encoding="utf-8")
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": "c", "text": "正文。", "published": "2023-01-02"}) + "\n")
    option = date(2020, 1, 1)
    got = {d.doc_id: (d.published, d.published_from) for d in iter_documents([tmp_path], published=option)}
    assert got == {"a": (option, "option"), "b": (option, "option"), "c": (date(2023, 1, 2), "metadata")}
    got = {d.doc_id: (d.published, d.published_from) for d in iter_documents([tmp_path])}
    assert got["a"] == (date(2024, 6, 5), "masthead") and got["b"] == (None, None)


@pytest.mark.parametrize(("top", "expected"), [
    ("2024年6月5日 星期三", date(2024, 6, 5)),
    ("2024-06-05", date(2024, 6, 5)),
    ("２０２４年６月５日　星期三", date(2024, 6, 5)),
    ("会议于2024年6月5日召开。", None),  # a date inside a sentence is no masthead date
    ("2024年2月30日", None),
])
def test_masthead_date(tmp_path: Path, top: str, expected: date | None) -> None:
    (tmp_path / "x.txt").write_text(f"某某日报\n{top}\n正文。", encoding="utf-8")
    [doc] = iter_documents([tmp_path / "x.txt"])
    assert doc.published == expected


def test_folders_duplicates_limits_and_missing(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("正文一。", encoding="utf-8")
    (tmp_path / "a.txt").write_text("正文二。", encoding="utf-8")
    (tmp_path / "a.htm").write_text("<p>正文三。</p>", encoding="utf-8")
    (tmp_path / ".x.txt").write_text("隐藏。", encoding="utf-8")
    (tmp_path / ".hidden" / "y.txt").write_text("隐藏。", encoding="utf-8")
    (tmp_path / "notes.md").write_text("不读。", encoding="utf-8")
    (tmp_path / "big.txt").write_text("大" * 100, encoding="utf-8")
    items = list(iter_documents([tmp_path, tmp_path / "missing.txt"], max_bytes=200))
    summary = [(type(i).__name__, getattr(i, "doc_id", None), getattr(i, "message", None)) for i in items]
    # sorted: a.htm comes first and takes the id "a"; a.txt is then a duplicate
    assert [s[:2] for s in summary if s[0] == "RawDocument"] == [("RawDocument", "a"), ("RawDocument", "sub/a")]
    assert items[0].format == "html"
    errors = {Path(i.source).name: i.message for i in items if isinstance(i, DocumentError)}
    assert errors["a.txt"] == "duplicate document id 'a'"
    assert len(items) == 5  # nothing hidden, nothing but .txt/.jsonl/.htm(l) from folders
    assert "file too large" in errors["big.txt"]
    assert errors["missing.txt"] == "no such file or folder"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".txt", ".jsonl", ".html"]))
def test_arbitrary_bytes_never_raise(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"doc{suffix}"
        path.write_bytes(data)
        for item in iter_documents([path]):
            assert isinstance(item, (RawDocument, DocumentError))
            if isinstance(item, DocumentError):
                assert not item.message.startswith("internal error"), item.message
            else:
                normalise(item.text)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([
    "新乡日报", "2024年6月5日 星期三", "增长５．８％。", "萬億元", "\n", "\r\n", "\x00", "\xff", "{", "}", '"',
    "<p>", "</p>", "<script>", "\ufeff", "本报讯(记者 王某)"]), max_size=30).map("".join),
    st.sampled_from(["utf-8", "gb18030", "utf-16", "big5"]), st.sampled_from([".txt", ".jsonl", ".html"]))
def test_news_like_bytes_never_raise(text: str, codec: str, suffix: str) -> None:
    data = text.encode(codec, errors="ignore")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"doc{suffix}"
        path.write_bytes(data)
        for item in iter_documents([path]):
            assert isinstance(item, (RawDocument, DocumentError))
            if isinstance(item, DocumentError):
                assert not item.message.startswith("internal error"), item.message


@pytest.mark.parametrize("text, expected", [
    ("标题\n\n正文。", ["标题", "正文。"]),
    ("标题\r\n正文。\r\n", ["标题", "正文。"]),
    ("  标题 \u2028\x0b正文。\x85尾", ["标题", "正文。", "尾"]),
    ("\n\n\n", []),
])
def test_first_lines_are_the_non_empty_lines_of_every_stage(text, expected):
    """The title and masthead evidence reads the lines normalise and segment read."""
    from pipeline.ingest import _first_lines
    from pipeline.normalise import text_lines

    assert [written for written, _ in _first_lines(text, 10)] == expected == [line.text for line in text_lines(text)]
