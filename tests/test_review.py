"""`zhfacts review`: the page's markup, and its filters and search in a real headless browser."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.review import highlight_sentence
from sample_facts import N_FACTS, build_sample_db, sql_rows

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    tmp = tmp_path_factory.mktemp("review")
    db = build_sample_db(tmp / "facts.db")
    out = tmp / "review.html"
    result = CliRunner().invoke(app, ["review", "--db", db, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return db, out


class Marks(HTMLParser):
    """Collects the fact marks, their text, and any tag that would load something."""

    def __init__(self) -> None:
        super().__init__()
        self.marks: list[dict[str, str]] = []
        self.text: dict[str, str] = {}
        self.external: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "mark":
            self.marks.append(a)
            self._open.append(a["data-fact-id"])
            self.text[a["data-fact-id"]] = ""
        if tag in ("script", "link", "img", "iframe") and (a.get("src") or a.get("href")):
            self.external.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for fact_id in self._open:
            self.text[fact_id] += data


def test_every_fact_is_marked_once_with_its_kind_and_surface(page_file: tuple[str, Path]) -> None:
    db, out = page_file
    parser = Marks()
    parser.feed(out.read_text(encoding="utf-8"))
    facts = sql_rows(db, "SELECT id, kind, surface FROM facts ORDER BY id")
    assert sorted(int(m["data-fact-id"]) for m in parser.marks) == [f[0] for f in facts]
    assert {(int(m["data-fact-id"]), m["data-kind"]) for m in parser.marks} == {(f[0], f[1]) for f in facts}
    assert {int(k): v for k, v in parser.text.items()} == {f[0]: f[2] for f in facts}  # the mark wraps the surface
    assert parser.external == []  # self-contained: nothing to fetch


def test_tooltips_carry_the_normalised_fields_and_text_is_escaped(page_file: tuple[str, Path]) -> None:
    _, out = page_file
    html = out.read_text(encoding="utf-8")
    parser = Marks()
    parser.feed(html)
    title = next(m["title"] for m in parser.marks if parser.text[m["data-fact-id"]] == "约55亿元")
    assert title.splitlines() == ["money · 约55亿元", "value: 5,500,000,000 CNY (approx)", "base: 5,500,000,000 CNY",
                                  "measure: 投资", "subject: 比亚迪新能源电池项目", "fact 4"]
    assert "&lt;重点项目&gt;" in html and "<重点项目>" not in html
    for kind, n in {"money": 3, "count": 2, "percent": 2, "date": 2, "area": 1, "duration": 1, "multiple": 1}.items():
        assert f'data-filter-kind="{kind}" checked> {kind} <span class="n">{n}</span>' in html


def test_overlapping_facts_nest_or_clip_and_each_keeps_one_mark() -> None:
    def fact(i: int, start: int, end: int) -> dict[str, object]:
        return {"id": i, "kind": "count", "surface": "x", "start": start, "end": end, "value": 1.0, "value_max": None, "unit": "count",
                "qualifier": "exact", "date": None, "date_end": None}

    sentence = "ABCDEFGHIJ"
    nested = highlight_sentence(sentence, 100, [fact(1, 102, 108), fact(2, 104, 106)])
    parser = Marks()
    parser.feed(nested)
    assert parser.text == {"1": "CDEFGH", "2": "EF"}
    crossing = highlight_sentence(sentence, 100, [fact(1, 102, 106), fact(2, 104, 109)])
    parser = Marks()
    parser.feed(crossing)
    assert parser.text == {"1": "CDEF", "2": "EF"}  # clipped to the mark it crosses
    assert 'class="fact k-count clipped"' in crossing
    assert crossing.count("<mark") == crossing.count("</mark>") == 2


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)")
def test_page_in_a_headless_browser(page_file: tuple[str, Path]) -> None:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the test extra")
    db, out = page_file
    by_kind = dict(sql_rows(db, "SELECT kind, count(*) FROM facts GROUP BY kind"))
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(out.as_uri())

            def shown() -> int:
                # a highlighted fact is a mark not switched off, and its side-table row visible
                marks = page.locator("mark.fact:not(.off)").count()
                rows = sum(1 for r in page.locator("#facts-table tbody tr").all() if r.is_visible())
                assert marks == rows == int(page.locator("#visible-count").inner_text())
                return marks

            assert shown() == N_FACTS == sum(by_kind.values())
            page.locator('input[data-filter-kind="money"]').click()
            assert shown() == N_FACTS - by_kind["money"]
            page.locator("#filter-percent").click()
            assert shown() == N_FACTS - by_kind["money"] - by_kind["percent"]
            page.locator('input[data-filter-kind="money"]').click()
            assert shown() == N_FACTS - by_kind["percent"]
            page.locator("#filter-percent").click()
            assert shown() == N_FACTS

            # search: the three facts of the sentence naming the battery project
            page.locator("#search").fill("比亚迪")
            assert shown() == 3
            assert page.locator("p.sentence:visible").count() == 1
            assert page.locator("section.doc:visible").count() == 1
            page.locator('input[data-filter-kind="area"]').click()  # filters and search combine
            assert shown() == 2
            page.locator('input[data-filter-kind="area"]').click()
            page.locator("#search").fill("固定资产投资")  # a measure and a sentence of the report
            assert shown() == 3
            page.locator("#search").fill("no such text 无此文字")
            assert shown() == 0
            page.locator("#search").fill("")
            assert shown() == N_FACTS
            assert page.locator("section.doc:visible").count() == 3

            # the hover text is there, and clicking a row selects its mark
            assert "measure: 投资" in (page.locator('mark[data-fact-id="4"]').get_attribute("title") or "")
            page.locator('#facts-table tr[data-fact-id="4"]').click()
            assert "flash" in (page.locator('mark[data-fact-id="4"]').get_attribute("class") or "")
            assert errors == []
            page.screenshot(path=str(ARTIFACTS / "review.png"), full_page=True)
        finally:
            browser.close()
