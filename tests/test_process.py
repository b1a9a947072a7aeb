"""The whole document path (normalise → segment → extract → nlp → link → Facts) on any input.

Property tests: no input string makes the pipeline raise, and every fact and sentence it
produces satisfies the raw-offset invariant `raw[start:end] == surface`.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.records import RawDocument

# characters that exercise the grammar: numerals, scales, units, qualifiers, punctuation,
# full-width forms, Traditional forms, line breaks
FIGURE_ALPHABET = list(
    "0123456789０１２３４５６７８９.．,，%％‰~～-—至到零〇一二两三四五六七八九十百千万亿萬億兩個"
    "元亩米吨斤个名家户人次年月日季度上下半今去明前约近余多以上下不到超过突破分之成倍第位全省市县"
    "增长下降同比较百分点℃：:;；。！？!?\n\n  \t「」“”()（）第届期号"
)
news_like = st.lists(st.sampled_from(FIGURE_ALPHABET), max_size=120).map("".join)


def _check(pipeline, text: str, published: dt.date | None) -> None:
    doc = RawDocument(doc_id="p", source="<hypothesis>", text=text, published=published)
    result = pipeline.process(doc)
    for s in result.sentences:
        assert text[s.start : s.end] == s.text
    for f in result.facts:
        assert text[f.start : f.end] == f.surface
        assert 0 <= f.sentence_index < len(result.sentences)
        sent = result.sentences[f.sentence_index]
        assert sent.start <= f.start and f.end <= sent.end  # a fact lies inside its sentence


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=news_like, published=st.one_of(st.none(), st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))))
def test_figure_heavy_text_never_raises_and_offsets_hold(blank_pipeline, text, published):
    _check(blank_pipeline, text, published)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=200))
def test_any_unicode_never_raises_and_offsets_hold(blank_pipeline, text):
    _check(blank_pipeline, text, None)


def test_seed_documents_keep_every_fact_inside_its_sentence(blank_pipeline):
    from pathlib import Path

    for path in sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        _check(blank_pipeline, text, dt.date(2024, 6, 5))


# --- what fails validation is dropped with a warning, never stored, never a crash ---------

def _fake_extract(text: str, published=None):
    """The real grammar, plus an impossible figure (a negative area) wherever 亩 appears."""
    from pipeline.extract import extract_figures
    from schemas.records import Figure

    figures = extract_figures(text, published)
    at = text.find("亩")
    if at > 0:
        # model_construct: an extractor bug that skipped validation, as the store must survive it
        figures.append(Figure.model_construct(kind="area", value=-3.0, value_max=None, unit="mu", qualifier="exact",
                                              base_value=-2000.0, base_value_max=None, base_unit="m2", date=None,
                                              date_end=None, measure=None, subject=None, change=False, direction=None,
                                              basis=None, start=at, end=at + 1, surface="亩", measure_start=None,
                                              subject_start=None))
    return figures


def _exploding_extract(text: str, published=None):
    from pipeline.extract import extract_figures

    if "亩" in text:
        raise RuntimeError("grammar bug")
    return extract_figures(text, published)


def _run_with(monkeypatch, tmp_path, extractor):
    import sqlite3

    from typer.testing import CliRunner

    import pipeline.process
    from pipeline.cli import app

    monkeypatch.setattr(pipeline.process, "extract_figures", extractor)
    src = tmp_path / "a.txt"
    src.write_text("项目总投资5.5亿元，占地约122亩。\n全市新增网格员446名。", encoding="utf-8")
    db = tmp_path / "f.db"
    result = CliRunner().invoke(app, ["run", str(src), "--db", str(db), "--model", "blank", "-q"])
    with sqlite3.connect(db) as conn:
        facts = [r[0] for r in conn.execute("SELECT surface FROM facts ORDER BY start")]
        errors = conn.execute("SELECT stage, severity, message, source FROM errors").fetchall()
        status = conn.execute("SELECT status FROM runs").fetchone()[0]
    return result, facts, errors, status


def test_an_impossible_value_is_dropped_with_a_warning_row(monkeypatch, tmp_path):
    result, facts, errors, status = _run_with(monkeypatch, tmp_path, _fake_extract)
    assert result.exit_code == 0  # warnings do not fail a run
    assert facts == ["5.5亿元", "约122亩", "446名"]  # the impossible area is not stored, the rest is
    ((stage, severity, message, source),) = errors
    assert (stage, severity) == ("validate", "warning")
    assert "negative area" in message and "'亩'" in message and source.endswith("a.txt")
    assert status == "ok"


def test_a_sentence_the_grammar_fails_on_costs_only_that_sentence(monkeypatch, tmp_path):
    result, facts, errors, status = _run_with(monkeypatch, tmp_path, _exploding_extract)
    assert result.exit_code == 0
    assert facts == ["446名"]
    ((stage, severity, message, _),) = errors
    assert (stage, severity) == ("extract", "warning") and "RuntimeError: grammar bug" in message


def test_blank_never_runs_its_model_and_gives_the_same_facts(blank_pipeline):
    """`blank` Docs carry no entities or tags, so the pipeline skips them (same facts)."""
    from pipeline.nlp import build_nlp
    from pipeline.process import Pipeline

    class Untouchable:
        def pipe(self, *args, **kwargs):
            raise AssertionError("the blank model ran")

    skipping = Pipeline(nlp=Untouchable(), model_name="blank", context=False)
    running = Pipeline(nlp=build_nlp("blank")[0], model_name="blank", context=True)
    doc = RawDocument(doc_id="d", source="<t>", text=SEED_LIKE, published=dt.date(2024, 6, 5))
    facts = [f.model_dump() for f in skipping.process(doc).facts]
    assert blank_pipeline.context is False and blank_pipeline.nlp is None
    assert facts == [f.model_dump() for f in running.process(doc).facts]
    assert [(f["surface"], f["measure"], f["subject"]) for f in facts] == [
        ("5.5亿元", "总投资", "河南钜盛先导新材料科技有限公司新材料项目"), ("约122亩", "占地", "河南钜盛先导新材料科技有限公司新材料项目"),
        ("8月", None, None), ("446名", "网格员", "获嘉县")]


SEED_LIKE = ("据介绍,河南钜盛先导新材料科技有限公司新材料项目总投资5.5亿元,占地约122亩,8月投产。"
             "获嘉县共有网格员446名。")


def test_warm_up_reaches_the_lazy_branches_and_leaves_no_trace():
    """A pool worker warms up before its first document: the sample must reach the grammar's
    ratio and fraction branches, and warming up must change nothing a document then gets."""
    from pipeline.process import WARM_UP_TEXT, Pipeline

    cold, warm = Pipeline.load("blank"), Pipeline.load("blank")
    warm.warm_up()
    assert warm.stats == {}
    sample = RawDocument(doc_id="w", source="<t>", text=WARM_UP_TEXT, published=dt.date(2024, 6, 30))
    assert {"1:2", "1:15", "三分之一", "三分之二", "去年"} <= {f.surface for f in cold.process(sample).facts}
    doc = RawDocument(doc_id="d", source="<t>", text=SEED_LIKE, published=dt.date(2024, 6, 5))
    assert [f.model_dump() for f in warm.process(doc).facts] == [f.model_dump() for f in cold.process(doc).facts]


# --- records built without re-validation are what validation builds ------------------------

def test_facts_and_results_are_what_validation_builds(blank_pipeline, tmp_path):
    """figure_to_fact and the DocumentResult skip re-checking what is valid by construction.
    Every Fact of the seeds and of a generated corpus (one copy of each seed, 12 generated
    articles) must equal the Fact that validation builds from its values, field by field,
    type by type (a float stays a float), with the same fields set and field order."""
    from bench.corpus import write_corpus
    from pipeline.ingest import iter_documents
    from schemas.records import DocumentResult, Fact, field_values

    write_corpus(tmp_path, 1, generated_per_scale=12)
    docs = [d for d in iter_documents([tmp_path]) if isinstance(d, RawDocument)]
    assert len(docs) == 14
    checked = 0
    for doc in docs:
        result = blank_pipeline.process(doc)
        assert DocumentResult.model_validate(field_values(result)) == result
        for fact in result.facts:
            values = field_values(fact)
            validated = Fact.model_validate({k: values[k] for k in fact.model_fields_set}, context={"raw": doc.text})
            assert field_values(validated) == values
            assert [type(v) for v in field_values(validated).values()] == [type(v) for v in values.values()]
            assert list(values) == list(Fact.model_fields)
            assert fact.model_fields_set == validated.model_fields_set
            checked += 1
    assert checked > 500
