"""`zhfacts report`: a self-contained HTML overview of a database, charts as inline SVG.

Facts by kind, top measures, money by subject (sum of `base_value` of money facts in
CNY) and a month-by-month timeline of dated facts. Every bar carries `data-label` and
`data-value` (the exact number) so the page can be checked, and read by scripts.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from pipeline.store import read_connection

TOP_N = 15
MAX_MONTHS = 240  # a timeline longer than 20 years shows its last 20 years
_MONTH = re.compile(r"^(\d{4})-(\d{2})")  # 2024-05, 2024-05-31; not 2024, 2024-Q1, 2024-H1
NO_SUBJECT = "(no subject)"


@dataclass
class ReportData:
    totals: dict[str, Any]
    by_kind: list[tuple[str, int]]
    top_measures: list[tuple[str, int]]
    money_by_subject: list[tuple[str, float]]
    by_month: list[tuple[str, int]]  # every month from the first to the last, zeros included
    dated_without_month: int  # facts dated to a year, quarter or half only


def load_report_data(db: str, top_n: int = TOP_N) -> ReportData:
    with read_connection(db) as conn:
        def rows(sql: str, **params: Any) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in conn.execute(text(sql), params)]

        totals = dict(zip(
            ("documents", "sentences", "facts", "runs"),
            rows("SELECT (SELECT count(*) FROM documents), (SELECT count(*) FROM sentences), "
                 "(SELECT count(*) FROM facts), (SELECT count(*) FROM runs)")[0],
        ))
        first, last = rows("SELECT min(published), max(published) FROM documents")[0]
        totals["published"] = f"{first} – {last}" if first else "—"
        by_kind = rows("SELECT kind, count(*) AS n FROM facts GROUP BY kind ORDER BY n DESC, kind")
        top_measures = rows("SELECT measure, count(*) AS n FROM facts WHERE measure IS NOT NULL AND measure <> '' "
                            "GROUP BY measure ORDER BY n DESC, measure LIMIT :n", n=top_n)
        money = rows(f"SELECT coalesce(subject, '{NO_SUBJECT}') AS s, sum(base_value) AS total FROM facts "
                     "WHERE kind = 'money' AND base_unit = 'CNY' AND base_value IS NOT NULL "
                     "GROUP BY s ORDER BY total DESC, s LIMIT :n", n=top_n)
        dates = rows("SELECT date, count(*) FROM facts WHERE date IS NOT NULL GROUP BY date")
    months: Counter[str] = Counter()
    without_month = 0
    for value, n in dates:
        m = _MONTH.match(str(value))
        if m and 1 <= int(m.group(2)) <= 12:
            months[f"{m.group(1)}-{m.group(2)}"] += n
        else:
            without_month += n
    return ReportData(totals, [(k, int(n)) for k, n in by_kind], [(k, int(n)) for k, n in top_measures],
                      [(k, float(v)) for k, v in money], _fill_months(months), without_month)


def _fill_months(counts: Counter[str]) -> list[tuple[str, int]]:
    if not counts:
        return []
    first, last = min(counts), max(counts)
    y, m = int(first[:4]), int(first[5:])
    out: list[tuple[str, int]] = []
    while True:
        key = f"{y:04d}-{m:02d}"
        out.append((key, counts.get(key, 0)))
        if key >= last:
            break
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out[-MAX_MONTHS:]


# formatting -------------------------------------------------------------------------
def format_count(value: float) -> str:
    return f"{value:,.0f}"


def format_cny(value: float) -> str:
    """Yuan the way Chinese reports write them: 亿元 and 万元."""
    if abs(value) >= 1e8:
        return f"{value / 1e8:,.2f} 亿元"
    if abs(value) >= 1e4:
        return f"{value / 1e4:,.2f} 万元"
    return f"{value:,.0f} 元"


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


# charts -----------------------------------------------------------------------------
def hbar_chart(chart_id: str, items: Sequence[tuple[str, float]], fmt: Callable[[float], str] = format_count,
               colour: str = "#4e79a7", width: int = 760, label_width: int = 190) -> str:
    """Horizontal bars, one per (label, value), largest scale = widest bar."""
    if not items:
        return f'<svg data-chart="{_esc(chart_id)}" width="{width}" height="30"><text x="0" y="20" class="empty">no data</text></svg>'
    row, pad = 24, 4
    value_width = 120
    span = width - label_width - value_width
    top = max(v for _, v in items) or 1
    height = row * len(items) + pad
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{_esc(chart_id)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">']
    for i, (label, value) in enumerate(items):
        y = i * row + pad
        w = max(1.0, span * value / top) if value > 0 else 0
        short = label if len(label) <= 14 else label[:13] + "…"
        parts.append(
            f'<g class="bar" data-label="{_esc(label)}" data-value="{value!r}"><title>{_esc(label)}: {_esc(fmt(value))}</title>'
            f'<text class="label" x="{label_width - 6}" y="{y + 16}" text-anchor="end">{_esc(short)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{colour}" rx="2"/>'
            f'<text class="value" x="{label_width + w + 6:.1f}" y="{y + 16}">{_esc(fmt(value))}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart(chart_id: str, items: Sequence[tuple[str, float]], fmt: Callable[[float], str] = format_count,
                 colour: str = "#59a14f", width: int = 760, height: int = 220) -> str:
    """Vertical columns in order (a timeline); the axis is labelled every few columns."""
    if not items:
        return f'<svg data-chart="{_esc(chart_id)}" width="{width}" height="30"><text x="0" y="20" class="empty">no data</text></svg>'
    left, bottom, top_pad = 40, 40, 18
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    top = max(v for _, v in items) or 1
    step = plot_w / len(items)
    every = max(1, round(len(items) / 12))  # at most ~12 axis labels
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{_esc(chart_id)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img">',
             f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 10}" y2="{top_pad + plot_h}" stroke="#999"/>',
             f'<text class="axis" x="{left - 6}" y="{top_pad + 4}" text-anchor="end">{_esc(fmt(top))}</text>',
             f'<text class="axis" x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end">0</text>']
    for i, (label, value) in enumerate(items):
        h = plot_h * value / top
        x = left + i * step
        bar_w = max(1.0, step * 0.8)
        parts.append(
            f'<g class="bar" data-label="{_esc(label)}" data-value="{value!r}"><title>{_esc(label)}: {_esc(fmt(value))}</title>'
            f'<rect x="{x + step * 0.1:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}"/>'
            + (f'<text class="value" x="{x + step / 2:.1f}" y="{top_pad + plot_h - h - 3:.1f}" text-anchor="middle">{_esc(fmt(value))}</text>'
               if value and len(items) <= 36 else "")
            + "</g>"
        )
        if i % every == 0:
            parts.append(f'<text class="axis" x="{x + step / 2:.1f}" y="{top_pad + plot_h + 16}" '
                         f'text-anchor="middle">{_esc(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


# page -------------------------------------------------------------------------------
def render_report(data: ReportData, title: str = "zhfacts report") -> str:
    t = data.totals
    tiles = "".join(f'<div class="tile" data-total="{k}"><b>{_esc(format_count(t[k]))}</b>{k}</div>'
                    for k in ("documents", "sentences", "facts", "runs"))
    sections = [
        ("Facts by kind", "", hbar_chart("facts-by-kind", data.by_kind)),
        (f"Top {TOP_N} measures", "What the figures measure, by number of facts.",
         hbar_chart("top-measures", data.top_measures, colour="#f28e2b")),
        ("Money by subject", "Sum of the money figures (in CNY) naming each subject. A total and its parts "
         "are both counted: read it as where the money is talked about, not as a balance.",
         hbar_chart("money-by-subject", data.money_by_subject, fmt=format_cny, colour="#edc948")),
        ("Dated facts by month", f"Facts whose date names a month. {data.dated_without_month} more are dated "
         "to a year, quarter or half only.", column_chart("facts-by-month", data.by_month)),
    ]
    body = "".join(f'<section><h2>{_esc(h)}</h2>' + (f'<p class="note">{_esc(note)}</p>' if note else "")
                   + chart + "</section>" for h, note, chart in sections)
    return _PAGE.format(title=_esc(title), tiles=tiles, published=_esc(t["published"]), body=body,
                        made=datetime.now().strftime("%Y-%m-%d %H:%M"))


def write_report(db: str, out: str | Path, title: str | None = None) -> ReportData:
    data = load_report_data(db)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(render_report(data, title or f"zhfacts report — {Path(db).name}"), encoding="utf-8")
    return data


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body{{margin:24px auto;max-width:820px;font:15px/1.6 -apple-system,"Segoe UI","DejaVu Sans","PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#222}}
h1{{font-size:22px;margin-bottom:4px}} h2{{font-size:17px;margin:28px 0 4px}}
.sub,.note{{color:#777;font-size:13px;margin:0 0 8px}}
.tiles{{display:flex;gap:12px;margin:14px 0}}
.tile{{flex:1;border:1px solid #e2e2e2;border-radius:6px;padding:8px 12px;color:#666;font-size:13px}}
.tile b{{display:block;font-size:22px;color:#222}}
svg text{{font-size:12px;fill:#333}} svg .axis{{fill:#888;font-size:11px}} svg .empty{{fill:#999}}
svg .bar:hover rect{{opacity:.8}}
</style>
</head>
<body>
<h1>{title}</h1>
<p class="sub">published {published} · made {made}</p>
<div class="tiles">{tiles}</div>
{body}
</body>
</html>
"""
