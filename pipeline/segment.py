"""Segment stage: sentences and articles, with raw offsets.

Works on the normalised text (where line breaks that cut a sentence are already gone, so
every line is a paragraph, headline, byline ...) and maps every span back to raw offsets.

Sentences: a line is at most one sentence; inside a line, sentences end after 。!?; (and
their full-width forms, already folded), keeping closing quotes and brackets with the
sentence (……。”). ASCII !?; inside a URL or code do not end a sentence.

Articles (vocabulary in data/layout.toml):

* a masthead block at the top of a page (paper name, date, issue data) is article 0,
  without a title;
* a headline-like line (short, no sentence-final punctuation) opens an article when its
  headline group (headline, subtitles "——...") is followed by a byline or a 本报讯
  dateline, or when it comes first, right after the masthead, or after a continuation
  marker "(下转第二版)";
* in text without any byline or dateline (a plain article, a web page), every headline
  followed by body text opens an article; in a newspaper page such a line is a subheading
  and stays in its article;
* a 本报讯 paragraph, a "(上接第一版)" marker, or anything after "(下转...)" opens an
  article even without a headline (then untitled).
"""

from __future__ import annotations

import re
from functools import cache

from pipeline import layout as lay
from pipeline.normalise import Line, text_lines
from schemas.records import Article, NormalisedText, RawDocument, Sentence, construct_valid


# URL/code characters: an ASCII !?; between two of these does not end a sentence.
_ASCII_WORD = r"A-Za-z0-9/._=&%\-"


def _end_mark() -> str:
    """Pattern of one sentence-ending mark (every option is one character wide)."""
    conf = lay.layout()
    wide = "".join(c for c in conf.sentence_split if not c.isascii())
    ascii_ = "".join(c for c in conf.sentence_split if c.isascii())
    options = []
    if wide:
        options.append(f"[{re.escape(wide)}]")
    if ascii_:
        cls = f"[{re.escape(ascii_)}]"
        options.append(rf"(?<![{_ASCII_WORD}]){cls}|{cls}(?![{_ASCII_WORD}])")
    return "|".join(options)


@cache
def _sentence_end() -> re.Pattern[str]:
    """A sentence's end (group 1: marks, then closers) and the blanks after it, where the
    next sentence starts."""
    conf = lay.layout()
    mark = _end_mark()
    # The first mark is written as any split character, then checked by looking back at it:
    # a pattern opening with a plain class gets the regex engine's fast scan (~4x here).
    first = f"[{re.escape(conf.sentence_split)}](?<={mark})"
    # A mark after a mark has a mark before it: when no mark is an ASCII word character, its
    # "not inside a URL" lookbehind always holds, and the marks after the first are simply
    # any split characters, a class the engine repeats without the general repeat machinery
    # an alternation needs (splitting the 10x corpus's lines: 125.5 M -> 111.8 M instructions)
    more = f"(?:{mark})*" if re.search(f"[{_ASCII_WORD}]", conf.sentence_split) else f"[{re.escape(conf.sentence_split)}]*"
    return re.compile(rf"({first}{more}[{re.escape(conf.closers)}]*)\s*")


def _masthead_end(lines: list[Line]) -> int:
    """Number of leading lines forming a masthead block (0 when there is none)."""
    limit = min(len(lines), lay.layout().masthead_scan_lines)
    last = -1
    i = 0
    while i < limit:
        line = lines[i].text
        if lay.is_masthead(line):
            last = i
        elif not (i + 1 < limit and lay.is_masthead(lines[i + 1].text) and not lay.ends_sentence(line)):
            break  # one unknown line inside the block is tolerated, not two
        i += 1
    return last + 1


def _article_starts(lines: list[Line]) -> list[tuple[int, int | None]]:
    """(first line, title line or None) of every article, in order."""
    if not lines:
        return []
    masthead = _masthead_end(lines)
    starts: list[tuple[int, int | None]] = [(0, None)] if masthead else []
    structured = any(lay.is_byline(l.text) or lay.is_dateline(l.text) for l in lines)
    has_body = False  # the current article has lines other than its headline group
    i = masthead
    while i < len(lines):
        text = lines[i].text
        prev = lines[i - 1].text if i > 0 else ""
        after_break = not starts or i == masthead or lay.is_continuation_end(prev)
        if lay.is_headline_like(text):
            j = i + 1  # past the headline group: more headline lines, subtitles
            while j < len(lines) and j <= i + 3 and (lay.is_subtitle(lines[j].text) or (
                    lay.is_headline_like(lines[j].text) and j + 1 < len(lines)
                    and (lay.is_byline(lines[j + 1].text) or lay.is_subtitle(lines[j + 1].text)))):
                j += 1
            follower = lines[j].text if j < len(lines) else None
            opens = follower is not None and (lay.is_byline(follower) or lay.is_dateline(follower))
            plain = not structured and follower is not None and not lay.is_headline_like(follower)
            if opens or after_break or plain:
                starts.append((i, i))
                has_body = False
                i = j
                continue
        elif after_break or (has_body and (lay.is_dateline(text) or lay.is_continuation_start(text))):
            starts.append((i, None))
        has_body = True
        i += 1
    return starts


def _split_sentences(text: str, line: Line) -> list[tuple[int, int]]:
    """Normalised (start, end) of the sentences of one line of `text`, whitespace stripped.

    A line is stripped and every sentence end is a punctuation mark or closer, so only the
    blanks after an end need skipping (the pattern takes them). Searching `text` between the
    line's offsets sees what searching the line alone would: the characters around a line
    are blanks, which the ASCII lookarounds treat as they treat the text's ends.
    """
    spans: list[tuple[int, int]] = []
    pos = line.start
    for m in _sentence_end().finditer(text, pos, line.end):
        spans.append((pos, m.end(1)))
        pos = m.end()
    if pos < line.end:
        spans.append((pos, line.end))
    return spans


def segment(doc: RawDocument, norm: NormalisedText,
            lines: list[Line] | None = None) -> tuple[list[Article], list[Sentence]]:
    """Articles and sentences of `doc`; `lines`: `text_lines(norm.text)` when the caller has
    them already (`normalise_with_lines`)."""
    raw = doc.text
    if lines is None:
        lines = text_lines(norm.text)
    if not lines:
        return [Article(index=0, title=doc.title, start=0, end=len(raw))], []

    def raw_of(start: int, end: int) -> tuple[int, int]:
        return norm.raw_span(start, end)

    starts = _article_starts(lines) or [(0, None)]
    if starts[0][0] != 0:  # text before the first headline: an untitled article
        starts.insert(0, (0, None))
    articles: list[Article] = []
    line_article = [0] * len(lines)
    for index, (first, title_line) in enumerate(starts):
        last = (starts[index + 1][0] if index + 1 < len(starts) else len(lines)) - 1
        for k in range(first, last + 1):
            line_article[k] = index
        title = None
        if title_line is not None:
            ts, te = raw_of(lines[title_line].start, lines[title_line].end)
            title = raw[ts:te].strip() or None
        start, _ = raw_of(lines[first].start, lines[first].end)
        _, end = raw_of(lines[last].start, lines[last].end)
        # valid by construction, as the sentences below
        articles.append(construct_valid(Article, {"index": index, "title": title, "start": start, "end": end}))

    sentences: list[Sentence] = []
    doc_id = doc.doc_id
    text = norm.text
    # to_raw increases strictly and ends at len(raw): a text as long as the raw one maps to
    # it one for one, and raw offsets are the normalised ones
    same_offsets = len(text) == len(raw)
    for line, article in zip(lines, line_article):
        for ns, ne in _split_sentences(text, line):
            rs, re_ = (ns, ne) if same_offsets else raw_of(ns, ne)
            # valid by construction: what Sentence checks (text is raw[start:end], offsets >= 0)
            # holds for raw_span's offsets and the text cut with them; one per sentence, so
            # validating cost ~2% of a blank run
            sentences.append(construct_valid(Sentence, {
                "doc_id": doc_id, "index": len(sentences), "article": article, "start": rs,
                "end": re_, "text": raw[rs:re_], "norm_start": ns, "norm_end": ne}))
    return articles, sentences
