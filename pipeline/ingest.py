"""Ingest stage: files and folders in, RawDocuments (or DocumentErrors) out.

* `.txt` (and any explicitly named file of another suffix): one document; doc_id is the
  path stem relative to the folder it was found in ("sub/000_ee6c23fa554db40a"), or the
  stem of a file named directly.
* `.jsonl`: one document per line, {"id", "text", "title"?, "published"?, "source"?};
  source defaults to "path:LINE".
* `.html` / `.htm`: the main text, extracted with lxml (script, style, nav, header,
  footer, aside ... dropped; one line per block element). The RawDocument's text is that
  extracted text: every offset downstream points into it, not into the HTML source.

Folders are walked recursively in sorted order, hidden files and folders skipped.

Encodings: BOMs (UTF-8, UTF-16, UTF-32) first, then strict UTF-8, then charset-normalizer
restricted to Chinese encodings (GB18030/GBK, Big5). `encoding` records the codec; the
text is the decoded text, BOM stripped.

Publication date, first found wins: the document's metadata (JSONL `published`, HTML
meta/time), the `published` argument, a masthead date (a line that is only a full date,
maybe with its weekday, among the first lines: "2024年6月5日 星期三").

Title: JSONL `title` / HTML h1, og:title or <title>; otherwise the first non-empty line
that is not a masthead line (paper name, date, issue data), provided it looks like a
headline (no sentence-final punctuation, short); a document opening with body text has
no title.

Bad input never raises: it yields a DocumentError naming the file (and line), and
iteration goes on. A file whose UTF-8 is cut inside its last character yields a warning
and the document without the broken tail.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pipeline import layout as lay
from pipeline.normalise import fold_line
from schemas.records import DocumentError, RawDocument

log = logging.getLogger(__name__)

FOLDER_SUFFIXES = (".txt", ".jsonl", ".html", ".htm")
# Encodings the detector may choose from when a file is not UTF-8.
CJK_ENCODINGS = ["gb18030", "gbk", "big5", "big5hkscs"]
# Share of control / unassigned / replacement characters above which a file is binary.
MAX_JUNK_SHARE = 0.05
# At least this share of valid UTF-8 means a damaged UTF-8 file, not another encoding.
UTF8_DAMAGED_SHARE = 0.9

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_DATE_IN_TEXT = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
# control characters other than whitespace, private use, the replacement character
_JUNK = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ue000-\uf8ff\ufffd]")


class IngestError(Exception):
    """A file or line that cannot become a document; turned into a DocumentError."""

    def __init__(self, message: str, line: int | None = None, severity: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.severity = severity


@dataclass
class _Decoded:
    text: str
    encoding: str
    warning: IngestError | None = None


def iter_documents(
    paths: Sequence[str | Path], published: date | None = None, max_bytes: int = 20_000_000
) -> Iterator[RawDocument | DocumentError]:
    seen: set[str] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for file, doc_id in _walk(path):
                yield from _safely(file, doc_id, published, max_bytes, seen)
        elif path.exists():
            yield from _safely(path, path.stem, published, max_bytes, seen)
        else:
            yield _error(path, IngestError("no such file or folder"))


def count_documents(paths: Sequence[str | Path]) -> int:
    """How many documents `iter_documents` will yield, about (a JSONL line is one): for
    progress and ETA. Reads JSONL files as bytes, counting lines; decodes nothing."""
    total = 0
    for given in paths:
        path = Path(given)
        files = [f for f, _ in _walk(path)] if path.is_dir() else [path] if path.is_file() else []
        for file in files:
            if file.suffix.lower() == ".jsonl":
                with file.open("rb") as fh:
                    total += sum(1 for line in fh if line.strip())
            else:
                total += 1
    return total


def _walk(folder: Path) -> Iterator[tuple[Path, str]]:
    for file in sorted(folder.rglob("*")):
        rel = file.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if file.is_file() and file.suffix.lower() in FOLDER_SUFFIXES:
            yield file, rel.with_suffix("").as_posix()


def _safely(path: Path, doc_id: str, published: date | None, max_bytes: int,
            seen: set[str]) -> Iterator[RawDocument | DocumentError]:
    try:
        suffix = path.suffix.lower()
        if suffix == ".jsonl":
            yield from _read_jsonl(path, published, max_bytes, seen)
        else:
            yield from _read_file(path, doc_id, "html" if suffix in (".html", ".htm") else "txt",
                                  published, max_bytes, seen)
    except IngestError as exc:
        yield _error(path, exc)
    except Exception as exc:  # a bug must not end the run; log it with its traceback
        log.exception("ingest failed on %s", path)
        yield _error(path, IngestError(f"internal error: {type(exc).__name__}: {exc}"))


def _error(path: Path, exc: IngestError, doc_id: str | None = None) -> DocumentError:
    return DocumentError(source=str(path), line=exc.line, doc_id=doc_id, stage="ingest",
                         message=exc.message, severity=exc.severity)  # type: ignore[arg-type]


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(f"file too large: {size} bytes (limit {max_bytes})")
    data = path.read_bytes()
    if not data.strip():
        raise IngestError("empty file")
    return data


def _read_file(path: Path, doc_id: str, fmt: str, published: date | None, max_bytes: int,
               seen: set[str]) -> Iterator[RawDocument | DocumentError]:
    data = _read_bytes(path, max_bytes)
    decoded = decode_bytes(data, html=fmt == "html")
    if decoded.warning is not None:
        yield _error(path, decoded.warning, doc_id)
    meta_title: str | None = None
    meta_date: date | None = None
    text = decoded.text
    if fmt == "html":
        text, meta_title, meta_date = extract_html(text)
    if not text.strip():
        raise IngestError("no text in HTML" if fmt == "html" else "empty file (only whitespace)")
    if doc_id in seen:
        raise IngestError(f"duplicate document id {doc_id!r}")
    seen.add(doc_id)
    yield _document(doc_id, str(path), text, meta_title, meta_date, published, decoded.encoding, fmt)


def _document(doc_id: str, source: str, text: str, title: str | None, meta_date: date | None,
              published: date | None, encoding: str, fmt: str) -> RawDocument:
    when, where = meta_date, "metadata"
    if when is None and published is not None:
        when, where = published, "option"
    if when is None:
        when, where = find_masthead_date(text), "masthead"
    return RawDocument(
        doc_id=doc_id, source=source, text=text, title=title or find_title(text),
        published=when, published_from=where if when is not None else None,  # type: ignore[arg-type]
        encoding=encoding, format=fmt,  # type: ignore[arg-type]
    )


# --- decoding --------------------------------------------------------------------------

def decode_bytes(data: bytes, html: bool = False) -> _Decoded:
    """Decoded text and the codec that decoded it; raises IngestError when none does."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError as exc:
                raise IngestError(f"undecodable bytes for {codec} (BOM) at byte {exc.start}",
                                  line=_line_of(data, exc.start)) from None
            text = text.removeprefix("\ufeff")
            _check_text(text)
            return _Decoded(text, codec.removesuffix("-sig"))
    if b"\x00" in data:
        raise IngestError("binary file (NUL bytes)", line=_line_of(data, data.index(b"\x00")))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _decode_not_utf8(data, exc, html)
    _check_text(text)
    return _Decoded(text, "utf-8")


def _decode_not_utf8(data: bytes, exc: UnicodeDecodeError, html: bool) -> _Decoded:
    # Cut inside the last character (a truncated download): keep what is whole.
    if exc.reason == "unexpected end of data" and exc.end == len(data) and len(data) - exc.start < 4:
        text = data[: exc.start].decode("utf-8")
        if text.strip():
            _check_text(text)
            warning = IngestError(f"truncated UTF-8: {len(data) - exc.start} trailing byte(s) dropped",
                                  line=_line_of(data, exc.start), severity="warning")
            return _Decoded(text, "utf-8", warning)
    if html:
        declared = _declared_charset(data)
        if declared:
            try:
                text = data.decode(declared)
                _check_text(text)
                return _Decoded(text, declared)
            except (LookupError, UnicodeDecodeError):
                pass
    valid = len(data.decode("utf-8", errors="ignore").encode("utf-8"))
    if valid >= UTF8_DAMAGED_SHARE * len(data):
        raise IngestError(f"undecodable bytes: invalid UTF-8 at byte {exc.start}", line=_line_of(data, exc.start))
    detected = _detect_cjk(data)
    if detected is None:
        raise IngestError(f"undecodable bytes: not UTF-8, GB18030/GBK or Big5 (first bad byte {exc.start})",
                          line=_line_of(data, exc.start))
    return detected


def _detect_cjk(data: bytes) -> _Decoded | None:
    from charset_normalizer import from_bytes  # noqa: PLC0415 - import cost only when needed

    best = from_bytes(data, cp_isolation=CJK_ENCODINGS).best()
    if best is None:
        return None
    codec = best.encoding
    if codec == "gb18030":  # report the narrower name when it decodes the file as well
        try:
            text = data.decode("gbk")
            _check_text(text)
            return _Decoded(text, "gbk")
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode(codec)
    except (LookupError, UnicodeDecodeError):
        return None
    _check_text(text)
    return _Decoded(text, codec)


def _declared_charset(data: bytes) -> str | None:
    m = re.search(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", data[:4096], re.IGNORECASE)
    return m.group(1).decode("ascii").lower() if m else None


def _check_text(text: str) -> None:
    """Raise for text that is mostly not text (a binary file that happened to decode)."""
    if not text.strip():
        raise IngestError("empty file (only whitespace)")
    sample = text[:100_000]
    junk = len(_JUNK.findall(sample))
    if junk > MAX_JUNK_SHARE * len(sample):
        raise IngestError(f"binary file: {junk} of {len(sample)} characters are not text")


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


# --- JSONL ---------------------------------------------------------------------------

def _read_jsonl(path: Path, published: date | None, max_bytes: int,
                seen: set[str]) -> Iterator[RawDocument | DocumentError]:
    decoded = decode_bytes(_read_bytes(path, max_bytes))
    if decoded.warning is not None:
        yield _error(path, decoded.warning)
    # split on \n only: a JSON string may hold U+2028 and friends
    for number, line in enumerate(decoded.text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            yield _jsonl_document(path, number, line, published, decoded.encoding, seen)
        except IngestError as exc:
            exc.line = number
            yield _error(path, exc, _line_id(line))


def _jsonl_document(path: Path, number: int, line: str, published: date | None, encoding: str,
                    seen: set[str]) -> RawDocument:
    try:
        record = json.loads(line)
    except ValueError as exc:
        raise IngestError(f"malformed JSON: {exc}") from None
    if not isinstance(record, dict):
        raise IngestError(f"expected a JSON object, got {type(record).__name__}")
    doc_id = record.get("id")
    if isinstance(doc_id, int) and not isinstance(doc_id, bool):
        doc_id = str(doc_id)
    if not isinstance(doc_id, str) or not doc_id.strip():
        raise IngestError("missing or empty 'id'")
    text = record.get("text")
    if not isinstance(text, str):
        raise IngestError(f"document {doc_id!r}: missing 'text'" if text is None
                          else f"document {doc_id!r}: 'text' is not a string")
    if not text.strip():
        raise IngestError(f"document {doc_id!r}: empty 'text'")
    title = record.get("title")
    if title is not None and not isinstance(title, str):
        raise IngestError(f"document {doc_id!r}: 'title' is not a string")
    meta_date = None
    if record.get("published") is not None:
        meta_date = parse_date(record["published"])
        if meta_date is None:
            raise IngestError(f"document {doc_id!r}: 'published' is not a date: {record['published']!r}")
    source = record.get("source")
    if not isinstance(source, str) or not source:
        source = f"{path}:{number}"
    if doc_id in seen:
        raise IngestError(f"duplicate document id {doc_id!r}")
    seen.add(doc_id)
    return _document(doc_id, source, text, title, meta_date, published, encoding, "jsonl")


def _line_id(line: str) -> str | None:
    """The id of a JSONL line that failed, when it can be read at all (for the error)."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    doc_id = record.get("id") if isinstance(record, dict) else None
    return str(doc_id) if isinstance(doc_id, (str, int)) and str(doc_id).strip() else None


def parse_date(value: Any) -> date | None:
    """A date from metadata: 2024-06-05, 2024-06-05T08:00:00+08:00, 2024年6月5日, 2024/6/5."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        return None
    m = _DATE_IN_TEXT.search(value.strip()[:40])
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


# --- text evidence -------------------------------------------------------------------

def _first_lines(text: str, count: int) -> list[tuple[str, str]]:
    """The first non-empty lines as (as written, folded for the layout patterns)."""
    out: list[tuple[str, str]] = []
    for line in text[:20_000].splitlines():  # the line breaks of every stage (normalise.BREAK_CHARS)
        folded = fold_line(line)
        if folded:
            out.append((line.strip(), folded))
            if len(out) >= count:
                break
    return out


def find_masthead_date(text: str) -> date | None:
    """A date standing alone (or with its weekday) on one of the first lines."""
    for _, line in _first_lines(text, lay.layout().masthead_scan_lines):
        found = lay.masthead_date(line)
        if found is not None:
            return found
    return None


def find_title(text: str) -> str | None:
    """The first non-masthead line, as written, when it looks like a headline."""
    conf = lay.layout()
    for position, (written, line) in enumerate(_first_lines(text, conf.title_scan_lines)):
        if position < conf.masthead_scan_lines and lay.is_masthead(line):
            continue
        return written if lay.is_headline_like(line) else None
    return None


# --- HTML ----------------------------------------------------------------------------

_DROP_TAGS = ("script", "style", "nav", "header", "footer", "aside", "noscript", "iframe", "form",
              "template", "svg", "button", "select")
_BLOCK_TAGS = frozenset({
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr", "table", "section",
    "article", "main", "blockquote", "pre", "dd", "dt", "dl", "figure", "figcaption", "hr", "td", "th",
    "body", "center", "address"})
_DATE_META = ("publishdate", "pubdate", "article:published_time", "publish_date", "publication_date",
              "og:published_time", "date", "dc.date", "dc.date.issued")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f“”‘’"
_CJK_SOURCE_BREAK = re.compile(rf"(?<=[{_WIDE},.;:!?])[ \t\r]*\n\s*(?=[{_WIDE}])")


def extract_html(source: str) -> tuple[str, str | None, date | None]:
    """(main text, title, publication date) of an HTML page."""
    import lxml.html  # noqa: PLC0415
    from lxml import etree  # noqa: PLC0415

    # lxml refuses str input that declares its own encoding
    source = re.sub(r"^\s*<\?xml[^>]*\?>", "", source)
    try:
        root = lxml.html.document_fromstring(source)
    except (etree.ParserError, ValueError) as exc:
        raise IngestError(f"unparseable HTML: {exc}") from None
    title = _html_title(root)
    published = _html_date(root)
    for element in root.xpath("//" + " | //".join(_DROP_TAGS)):
        element.drop_tree()
    for comment in root.xpath("//comment()"):
        comment.drop_tree()
    main = (root.xpath("//article") or root.xpath("//main") or root.xpath("//body") or [root])[0]
    pieces: list[str] = []
    _collect_text(main, pieces)
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(pieces).split("\n")]
    return "\n".join(line for line in lines if line), title, published


def _collect_text(element: Any, out: list[str]) -> None:
    """Text of an element, "\n" around block elements; source newlines become spaces."""
    tag = element.tag if isinstance(element.tag, str) else ""
    block = tag.lower() in _BLOCK_TAGS
    if block:
        out.append("\n")
    if element.text and tag:
        out.append(_source_text(element.text))
    for child in element:
        _collect_text(child, out)
        if child.tail:
            out.append(_source_text(child.tail))
    if block:
        out.append("\n")


def _source_text(text: str) -> str:
    """A text node as rendered: a source line break between Chinese characters vanishes
    (CSS segment-break rules), any other one is a space."""
    return _CJK_SOURCE_BREAK.sub("", text).replace("\n", " ")


def _meta(root: Any, *names: str) -> str | None:
    for meta in root.iter("meta"):
        key = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").strip().lower()
        if key in names and (meta.get("content") or "").strip():
            return meta.get("content").strip()
    return None


def _html_title(root: Any) -> str | None:
    for candidate in (
        " ".join(root.xpath("(//h1)[1]//text()")),
        _meta(root, "og:title") or "",
        " ".join(root.xpath("(//title)[1]//text()")),
    ):
        candidate = _SPACES.sub(" ", candidate).strip()
        if candidate:
            return candidate
    return None


def _html_date(root: Any) -> date | None:
    for name in _DATE_META:
        value = _meta(root, name)
        if value and (found := parse_date(value)):
            return found
    for time in root.iter("time"):
        if (found := parse_date(time.get("datetime") or time.text_content() or "")):
            return found
    return None
