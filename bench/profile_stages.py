"""CPU throughput of `Pipeline.process` on the seeds and each stage's share of it.

    .venv/bin/python bench/profile_stages.py [model]      # model: blank (default), lac, ...

Warm-up pass first (caches, vocabularies), then 20 timed passes; chars per CPU-second
uses process time, so a loaded machine skews it less than wall time.
"""

from __future__ import annotations

import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.process import Pipeline  # noqa: E402
from schemas.records import RawDocument  # noqa: E402


def main(model: str = "blank", passes: int = 20) -> None:
    p = Pipeline.load(model)
    docs = [RawDocument(doc_id=f.stem, source=str(f), text=f.read_text(encoding="utf-8"))
            for f in sorted((ROOT / "seeds").glob("*.txt"))]
    for d in docs:
        p.process(d)
    p.stats.clear()
    t = time.process_time()
    for _ in range(passes):
        for d in docs:
            p.process(d)
    dt = time.process_time() - t
    print(f"{model}: {passes * sum(len(d.text) for d in docs) / dt:,.0f} chars/CPU-s")
    tot = sum(p.stats.values())
    for k, v in sorted(p.stats.items(), key=lambda kv: -kv[1]):
        print(f"  {k:10s} {v / tot:6.1%}")


if __name__ == "__main__":
    main(*sys.argv[1:2])
