"""The single writer alone: ``Store.ingest`` with extraction replayed from a cache.

    python bench/writer_speed.py [--articles 20000] [--db DB] [--batch-size 50] [--segment 2000]
                                 [--profile] [--json out.json]

Input: the development corpus repeated to ``--articles`` (as bench/store_ingest.py and
bench/throughput.py build it), with the full gazetteer. The extractor runs once per article set
and its outcomes are pickled to ``--cache`` (default: the system temp folder); every later run
replays them, so the figures are the writer's own: duplicate checks, deduplication, row
conversion, inserts, merges, audit rows, commits. Replaying (a dict lookup) costs nothing next
to them; unpickling the outcomes once is done before the clock starts.

Reported: wall seconds, the writer's CPU seconds and articles per CPU-second, peak RSS, the
rate of every ``--segment`` articles (does the writer slow down as the database grows?), and
the load average before and after. ``--profile`` runs the whole ingest under cProfile and prints
the top functions by own and by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import os
import pickle
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from store_ingest import SHARED, articles as corpus_copies, emit  # noqa: E402

from rasd.extraction import Outcome, extract_outcome  # noqa: E402
from rasd.schema import Article, Event  # noqa: E402
from rasd.store import Store  # noqa: E402
from rasd.store.repository import IngestCounts  # noqa: E402


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def cached_outcomes(n: int, gazetteer: str, cache: Path) -> dict[str, Outcome]:
    """Every article's extraction outcome, by article id; extracted once and pickled."""
    if cache.exists():
        with cache.open("rb") as handle:
            return pickle.load(handle)
    from rasd.dask_engine import ExtractorSpec

    extractor = ExtractorSpec(gazetteer).build()
    started = time.perf_counter()
    outcomes = {item.article.id: extract_outcome(lambda a: extractor.run(a).events, item.article)
                for item in corpus_copies(n)}
    print(f"extracted {n} articles in {time.perf_counter() - started:.0f} s; cached in {cache}", file=sys.stderr)
    with cache.open("wb") as handle:
        pickle.dump(outcomes, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return outcomes


def replay(outcomes: dict[str, Outcome]):  # type: ignore[no-untyped-def]
    def extract(article: Article) -> list[Event]:
        outcome = outcomes[article.id]
        if not isinstance(outcome, list):
            raise RuntimeError(outcome.message)
        return outcome

    return extract


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--db", default="", help="a SQLAlchemy URL or a file; default: a new SQLite file")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--segment", type=int, default=2000)
    parser.add_argument("--cache", default="")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    gazetteer = os.environ.get("RASD_GAZETTEER") or str(SHARED / "data/gazetteer/gazetteer_sy_iq.tsv.gz")
    key = hashlib.sha256(f"{args.articles}\x1f{gazetteer}".encode()).hexdigest()[:12]
    cache = Path(args.cache or Path(tempfile.gettempdir()) / f"rasd-writer-outcomes-{key}.pkl")
    outcomes = cached_outcomes(args.articles, gazetteer, cache)

    with tempfile.TemporaryDirectory(prefix="rasd-writer-") as tmp:
        store = Store.open(args.db or f"sqlite:///{Path(tmp) / 'writer.db'}")
        segments: list[dict[str, float]] = []
        done, seg_wall, seg_cpu = 0, time.perf_counter(), time.process_time()

        def progress(counts: IngestCounts) -> None:
            nonlocal done, seg_wall, seg_cpu
            before, done = done, done + counts.read
            if done // args.segment != before // args.segment:
                wall, cpu = time.perf_counter() - seg_wall, time.process_time() - seg_cpu
                segments.append({"upto": done, "articles_per_s": round(args.segment / wall, 1),
                                 "articles_per_cpu_s": round(args.segment / cpu, 1)})
                print(f"  {done:6} articles: {args.segment / wall:6.1f}/s, {args.segment / cpu:6.1f} per CPU-s",
                      file=sys.stderr, flush=True)
                seg_wall, seg_cpu = time.perf_counter(), time.process_time()

        load_before = load_average()
        profiler = cProfile.Profile() if args.profile else None
        wall0, cpu0 = time.perf_counter(), time.process_time()
        if profiler:
            profiler.enable()
        counts = store.ingest(corpus_copies(args.articles), replay(outcomes), batch_size=args.batch_size,
                              on_batch=progress)
        if profiler:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        tables = store.counts()
        backend = store.backend
        store.close()
    result: dict[str, Any] = {
        "backend": backend, "articles": args.articles, "batch_size": args.batch_size,
        "seconds": round(wall, 1), "articles_per_s": round(args.articles / wall, 1),
        "writer_cpu_s": round(cpu, 1), "articles_per_cpu_s": round(args.articles / cpu, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average_before_after": [load_before, load_average()], "segments": segments,
        "counts": counts.__dict__, "tables": tables,
    }
    if profiler:
        for order in ("tottime", "cumulative"):
            buffer = io.StringIO()
            pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(order).print_stats(args.top)
            print(buffer.getvalue(), file=sys.stderr)
    emit(result, args.json)


if __name__ == "__main__":
    main()
