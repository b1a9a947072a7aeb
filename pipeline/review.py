"""`zhfacts review`: one self-contained HTML page showing every fact in its sentence.

Rendered server-side (plain string building, every value through `html.escape`), so the
page stays usable with thousands of facts: the inline script only toggles classes for
the kind filters and the text search. No network: CSS and JS are inline.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text

from pipeline.store import read_connection
from schemas.records import KINDS

# One colour per kind (light background, darker border); unknown kinds fall back to grey.
KIND_COLOURS: dict[str, tuple[str, str]] = {
    "money": ("#ffe08a", "#c99700"),
    "area": ("#c7f0c2", "#3f9a35"),
    "count": ("#bfe3ff", "#2f7fc1"),
    "percent": ("#ffc9c9", "#d0453f"),
    "multiple": ("#f3d1ff", "#9b4fc0"),
    "length": ("#d5f5ef", "#2b9c87"),
    "weight": ("#e8dcc8", "#8c6b3f"),
    "duration": ("#ffd9b3", "#d9741c"),
    "temperature": ("#ffd1e8", "#c2408a"),
    "rank": ("#dcdcff", "#5a5ad6"),
    "date": ("#e3e3e3", "#7a7a7a"),
    "quantity": ("#e6f5b0", "#7c9a12"),
}
DEFAULT_COLOUR = ("#eeeeee", "#999999")
# the qualifier as a sign before the value in the side table (the tooltip spells it out)
QUALIFIER_SIGNS: dict[str, str] = {"approx": "≈ ", "at_least": "≥ ", "at_most": "≤ "}

FACT_COLUMNS = ("id", "doc_id", "sentence_index", "kind", "surface", "start", "end", "value", "value_max", "unit",
                "qualifier", "base_value", "base_value_max", "base_unit", "date", "date_end", "measure", "subject",
                "change", "direction", "basis")


@dataclass
class ReviewData:
    documents: list[dict[str, Any]]
    sentences: dict[str, list[dict[str, Any]]]  # doc_id -> sentences in order
    facts: dict[str, list[dict[str, Any]]]  # doc_id -> facts in order of start


def load_review_data(db: str) -> ReviewData:
    with read_connection(db) as conn:
        documents = [dict(r) for r in conn.execute(text(
            "SELECT id, title, published, source FROM documents ORDER BY published IS NULL, published DESC, id"
        )).mappings()]
        sentences: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in conn.execute(text('SELECT doc_id, "index", start, "end", text FROM sentences ORDER BY doc_id, "index"')).mappings():
            sentences[r["doc_id"]].append(dict(r))
        facts: dict[str, list[dict[str, Any]]] = defaultdict(list)
        cols = ", ".join(f'"{c}"' for c in FACT_COLUMNS)
        for r in conn.execute(text(f"SELECT {cols} FROM facts ORDER BY doc_id, start, id")).mappings():
            facts[r["doc_id"]].append(dict(r))
    return ReviewData(documents, sentences, facts)


# formatting -------------------------------------------------------------------------
def format_number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6g}"


def format_value(fact: dict[str, Any]) -> str:
    """'5,500,000,000 CNY', '3–5 year', or the date span for date facts."""
    if fact["kind"] == "date":
        return (fact["date"] or "") + (f"..{fact['date_end']}" if fact.get("date_end") else "")
    value = format_number(fact["value"])
    if fact.get("value_max") is not None:
        value += "–" + format_number(fact["value_max"])
    return f"{value} {fact['unit'] or ''}".strip()


def format_base(fact: dict[str, Any]) -> str:
    if fact.get("base_value") is None or not fact.get("base_unit"):
        return ""
    base = format_number(fact["base_value"])
    if fact.get("base_value_max") is not None:
        base += "–" + format_number(fact["base_value_max"])
    return f"{base} {fact['base_unit']}"


def format_change(fact: dict[str, Any]) -> str:
    if not fact.get("change"):
        return ""
    arrow = {"up": "↑", "down": "↓"}.get(fact.get("direction") or "", "Δ")
    return f"{arrow} {fact.get('basis') or ''}".strip()


def fact_tooltip(fact: dict[str, Any]) -> str:
    lines = [f"{fact['kind']} · {fact['surface']}", f"value: {format_value(fact)}"]
    if fact.get("qualifier") and fact["qualifier"] != "exact":
        lines[-1] += f" ({fact['qualifier']})"
    for label, value in (("base", format_base(fact)), ("measure", fact.get("measure")),
                         ("subject", fact.get("subject")), ("change", format_change(fact))):
        if value:
            lines.append(f"{label}: {value}")
    if fact["kind"] != "date" and fact.get("date"):
        lines.append(f"date: {fact['date']}" + (f"..{fact['date_end']}" if fact.get("date_end") else ""))
    lines.append(f"fact {fact['id']}")
    return "\n".join(lines)


def _attr(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=False)


def _mark_open(fact: dict[str, Any], extra_class: str = "") -> str:
    cls = f"fact k-{_attr(fact['kind'])}" + (f" {extra_class}" if extra_class else "")
    return (f'<mark class="{cls}" id="fact-{fact["id"]}" data-fact-id="{fact["id"]}" '
            f'data-kind="{_attr(fact["kind"])}" title="{_attr(fact_tooltip(fact))}">')


def highlight_sentence(sentence_text: str, offset: int, facts: Iterable[dict[str, Any]]) -> str:
    """The sentence as HTML with one <mark> per fact (offsets are raw document offsets).

    Facts do not overlap by construction of the extractor; should they, a fact inside
    another is nested, and one crossing another's end is clipped to it (class
    `clipped`), so every fact still gets exactly one mark.
    """
    spans = sorted(((f["start"] - offset, f["end"] - offset, f) for f in facts), key=lambda s: (s[0], -s[1], s[2]["id"]))
    parts: list[str] = []
    stack: list[int] = []  # ends of the open marks
    pos = 0

    def close_until(limit: int) -> None:
        nonlocal pos
        while stack and stack[-1] <= limit:
            end = stack.pop()
            parts.append(_esc(sentence_text[pos:end]) + "</mark>")
            pos = end

    for start, end, fact in spans:
        close_until(start)
        parts.append(_esc(sentence_text[pos:start]))
        pos = start
        clipped = bool(stack) and end > stack[-1]
        if clipped:
            end = stack[-1]
        parts.append(_mark_open(fact, "clipped" if clipped else ""))
        stack.append(end)
    close_until(len(sentence_text))
    parts.append(_esc(sentence_text[pos:]))
    return "".join(parts)


def _placed(fact: dict[str, Any], sentence: dict[str, Any] | None) -> bool:
    return sentence is not None and sentence["start"] <= fact["start"] < fact["end"] <= sentence["end"]


# page -------------------------------------------------------------------------------
def render_review(data: ReviewData, title: str = "zhfacts review") -> str:
    kind_counts: Counter[str] = Counter(f["kind"] for facts in data.facts.values() for f in facts)
    kinds = [k for k in KINDS if k in kind_counts] + sorted(k for k in kind_counts if k not in KINDS)
    n_facts = sum(kind_counts.values())
    doc_html: list[str] = []
    rows: list[str] = []
    for doc in data.documents:
        doc_id = doc["id"]
        sentences = data.sentences.get(doc_id, [])
        by_index = {s["index"]: s for s in sentences}
        facts_by_sentence: dict[int, list[dict[str, Any]]] = defaultdict(list)
        unplaced: list[dict[str, Any]] = []
        for fact in data.facts.get(doc_id, []):
            if _placed(fact, by_index.get(fact["sentence_index"])):
                facts_by_sentence[fact["sentence_index"]].append(fact)
            else:
                unplaced.append(fact)
            rows.append(_table_row(fact, doc))
        parts = [f'<section class="doc" data-doc-id="{_attr(doc_id)}">',
                 f'<h2>{_esc(doc["title"] or doc_id)}</h2>',
                 f'<div class="meta">{_esc(doc_id)} · {_esc(doc["published"] or "no date")} · '
                 f'{len(data.facts.get(doc_id, []))} facts · {_esc(doc["source"])}</div>']
        for s in sentences:
            facts = facts_by_sentence.get(s["index"], [])
            cls = "sentence" if facts else "sentence empty"
            parts.append(f'<p class="{cls}" data-sentence-index="{s["index"]}">'
                         f'{highlight_sentence(s["text"], s["start"], facts)}</p>')
        if unplaced:  # offsets outside their sentence: show the figure on its own
            marks = " ".join(_mark_open(f, "unplaced") + _esc(f["surface"]) + "</mark>" for f in unplaced)
            parts.append(f'<p class="sentence unplaced-line" title="facts whose sentence was not found">{marks}</p>')
        parts.append("</section>")
        doc_html.append("".join(parts))

    filters = "".join(
        f'<label class="kind-filter k-{_attr(k)}"><input type="checkbox" id="filter-{_attr(k)}" '
        f'data-filter-kind="{_attr(k)}" checked> {_esc(k)} <span class="n">{kind_counts[k]}</span></label>'
        for k in kinds
    )
    return _PAGE.format(
        title=_esc(title),
        css=_CSS + _kind_css(kinds),
        n_docs=len(data.documents),
        n_facts=n_facts,
        filters=filters,
        documents="\n".join(doc_html) or '<p class="none">No documents in this database.</p>',
        rows="\n".join(rows),
        script=_SCRIPT,
    )


def _table_row(fact: dict[str, Any], doc: dict[str, Any]) -> str:
    cells = (fact["id"], fact["kind"], fact["surface"], QUALIFIER_SIGNS.get(fact["qualifier"], "") + format_value(fact),
             format_base(fact),
             fact["date"] if fact["kind"] != "date" else "", fact["measure"], fact["subject"], format_change(fact))
    tds = "".join(f"<td>{_esc(c)}</td>" for c in cells)
    return (f'<tr class="k-{_attr(fact["kind"])}" data-fact-id="{fact["id"]}" data-kind="{_attr(fact["kind"])}" '
            f'data-doc-id="{_attr(doc["id"])}" title="{_attr(doc["title"] or doc["id"])}">{tds}</tr>')


def _kind_css(kinds: Iterable[str]) -> str:
    rules = []
    for kind in kinds:
        if not _SAFE_KIND.match(kind):  # never let a stray kind name write CSS; it stays grey
            continue
        bg, border = KIND_COLOURS.get(kind, DEFAULT_COLOUR)
        rules.append(f"mark.fact.k-{kind}{{background:{bg};border-bottom-color:{border}}}"
                     f".kind-filter.k-{kind}{{border-color:{border};background:{bg}}}"
                     f"tr.k-{kind} td:nth-child(2){{box-shadow:inset 4px 0 {border}}}")
    return "\n".join(rules)


_SAFE_KIND = re.compile(r"^[a-z][a-z0-9_]*$")


def write_review(db: str, out: str | Path, title: str | None = None) -> int:
    """Write the review page; return the number of facts on it."""
    data = load_review_data(db)
    page = render_review(data, title or f"zhfacts review — {Path(db).name}")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(page, encoding="utf-8")
    return sum(len(f) for f in data.facts.values())


_CSS = """
*{box-sizing:border-box}
body{margin:0;font:15px/1.7 -apple-system,"Segoe UI","DejaVu Sans","PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#222;background:#fafafa}
header{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid #ddd;padding:10px 16px}
header h1{font-size:18px;margin:0 12px 6px 0;display:inline-block}
header .summary{color:#666}
#filters{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:4px 0}
.kind-filter{border:1px solid #ccc;border-radius:14px;padding:1px 10px 1px 6px;cursor:pointer;user-select:none;font-size:13px}
.kind-filter .n{color:#555;font-variant-numeric:tabular-nums}
.kind-filter:has(input:not(:checked)){opacity:.45;background:#fff !important}
#search{font-size:14px;padding:4px 8px;width:22em;border:1px solid #bbb;border-radius:4px}
#tools{display:flex;gap:14px;align-items:center;flex-wrap:wrap;font-size:13px;color:#444}
main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,50%);gap:16px;padding:12px 16px}
.doc{background:#fff;border:1px solid #e2e2e2;border-radius:6px;padding:8px 14px;margin-bottom:12px}
.doc h2{font-size:16px;margin:4px 0}
.doc .meta{color:#888;font-size:12px;margin-bottom:4px}
.sentence{margin:4px 0}
.sentence.empty{color:#999;display:none}
body.show-empty .sentence.empty{display:block}
.hidden{display:none !important}
mark.fact{padding:0 1px;border-radius:2px;cursor:help;color:inherit;background:#eee;border-bottom:2px solid #999}
mark.fact.off{background:none !important;border-bottom:none !important;cursor:auto}
mark.fact.clipped{outline:1px dashed #c00}
mark.fact.flash{outline:2px solid #1565c0}
aside{position:sticky;top:110px;align-self:start;max-height:calc(100vh - 124px);overflow:auto;background:#fff;border:1px solid #e2e2e2;border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:12.5px}
th,td{padding:3px 6px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
td:nth-child(-n+6),td:nth-child(9){white-space:nowrap}
td:nth-child(7),td:nth-child(8){min-width:6em}
td:nth-child(4),td:nth-child(5){text-align:right;font-variant-numeric:tabular-nums}
th{position:sticky;top:0;background:#f3f3f3}
td:first-child{color:#888;font-variant-numeric:tabular-nums}
tbody tr{cursor:pointer}
tbody tr:hover,tbody tr.selected{background:#eef5ff}
.none{color:#888}
"""

_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<header>
<h1>{title}</h1><span class="summary">{n_docs} documents · {n_facts} facts</span>
<div id="filters">{filters}</div>
<div id="tools">
<input id="search" type="search" placeholder="search sentences, measures, subjects…" autocomplete="off">
<label><input type="checkbox" id="show-empty"> sentences without figures</label>
<span><b id="visible-count">{n_facts}</b> / {n_facts} facts shown</span>
</div>
</header>
<main>
<div id="documents">
{documents}
</div>
<aside>
<table id="facts-table">
<thead><tr><th>id</th><th>kind</th><th>surface</th><th>value</th><th>base</th><th>date</th><th>measure</th><th>subject</th><th>change</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
</aside>
</main>
<script>{script}</script>
</body>
</html>
"""

_SCRIPT = """
(function () {
  "use strict";
  var marks = Array.prototype.slice.call(document.querySelectorAll("mark.fact"));
  var rows = {};
  document.querySelectorAll("#facts-table tbody tr").forEach(function (tr) { rows[tr.dataset.factId] = tr; });
  var sentences = Array.prototype.slice.call(document.querySelectorAll("p.sentence"));
  var docs = Array.prototype.slice.call(document.querySelectorAll("section.doc"));
  // searchable text once: the sentence, its document's title and id, and the fact's normalised fields
  var items = marks.map(function (m) {
    var p = m.closest("p.sentence"), doc = m.closest("section.doc");
    var hay = [p.textContent, doc.querySelector("h2").textContent, doc.dataset.docId, m.title].join(" ").toLowerCase();
    return {mark: m, row: rows[m.dataset.factId], kind: m.dataset.kind, hay: hay, p: p};
  });
  var sentenceHay = sentences.map(function (p) {
    var doc = p.closest("section.doc");
    return [p.textContent, doc.querySelector("h2").textContent, doc.dataset.docId].join(" ").toLowerCase();
  });
  var filters = Array.prototype.slice.call(document.querySelectorAll("input[data-filter-kind]"));
  var search = document.getElementById("search");
  var showEmpty = document.getElementById("show-empty");
  var counter = document.getElementById("visible-count");

  function apply() {
    var on = {};
    filters.forEach(function (f) { on[f.dataset.filterKind] = f.checked; });
    var q = search.value.trim().toLowerCase();
    var visible = 0, liveSentences = new Set();
    items.forEach(function (it) {
      var show = on[it.kind] !== false && (!q || it.hay.indexOf(q) !== -1);
      it.mark.classList.toggle("off", !show);
      if (it.row) it.row.classList.toggle("hidden", !show);
      if (show) { visible++; liveSentences.add(it.p); }
    });
    // while searching, a sentence stays if it holds a shown fact (or matches, when asked for all sentences)
    sentences.forEach(function (p, i) {
      var hide = !!q && !liveSentences.has(p) && !(showEmpty.checked && sentenceHay[i].indexOf(q) !== -1);
      p.classList.toggle("hidden", hide);
    });
    docs.forEach(function (d) {
      d.classList.toggle("hidden", !!q && !d.querySelector("p.sentence:not(.hidden)" + (showEmpty.checked ? "" : ":not(.empty)")));
    });
    counter.textContent = visible;
  }
  filters.forEach(function (f) { f.addEventListener("change", apply); });
  search.addEventListener("input", apply);
  showEmpty.addEventListener("change", function () { document.body.classList.toggle("show-empty", showEmpty.checked); apply(); });

  function select(id, scroll) {
    document.querySelectorAll(".flash,.selected").forEach(function (e) { e.classList.remove("flash", "selected"); });
    var m = document.getElementById("fact-" + id), r = rows[id];
    if (m) { m.classList.add("flash"); if (scroll === "mark") m.scrollIntoView({block: "center"}); }
    if (r) { r.classList.add("selected"); if (scroll === "row") r.scrollIntoView({block: "nearest"}); }
  }
  document.querySelector("#facts-table tbody").addEventListener("click", function (e) {
    var tr = e.target.closest("tr"); if (tr) select(tr.dataset.factId, "mark");
  });
  document.getElementById("documents").addEventListener("click", function (e) {
    var m = e.target.closest("mark.fact"); if (m) select(m.dataset.factId, "row");
  });
})();
"""
