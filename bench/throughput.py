"""Throughput of rasd ingestion: one process vs a Dask LocalCluster of 1 and 2 workers.

    python bench/throughput.py [--articles 20000] [--configs single,dask1,dask2] [--stages extract,ingest]
                               [--profile 1000] [--json out.json]

Input: the development corpus repeated to ``--articles`` (copy k: ids ``ID~k``, dates shifted by
45*k days, a last line "رقم النسخة k"; see bench/store_ingest.py), the full Syria/Iraq
gazetteer (RASD_GAZETTEER, else $RASD_SHARED/data/gazetteer/gazetteer_sy_iq.tsv.gz).

Per configuration, two stages, both timed after the Extractor is loaded (load time reported apart):
- ``extract``: extraction only, results discarded. Single process: ``Extractor.run`` in a loop.
  Dask: the same ``DaskEngine`` the store uses (batches, partitions, read-ahead), results
  pickled back to this process and dropped.
- ``ingest``: end to end into a new SQLite database, ``Store.ingest`` exactly as ``rasd ingest``
  (with ``--engine dask`` for the Dask configurations): dedupe and writes in this one process.

Reported: articles/s (wall clock), CPU seconds spent extracting (this process, or the sum over
the workers) and articles per CPU-second, peak RSS of the writer process and of each worker,
the machine's load average before and after (other jobs share the cores: wall-clock figures
are only as good as the load lets them be, CPU-time figures are the steadier ones), the speed-up
of 2 workers over 1 and the scaling efficiency (speed-up / 2). ``--profile N`` runs cProfile over
N articles in this process and prints the top functions by own and by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from store_ingest import SHARED, articles as corpus_copies  # noqa: E402

from rasd.schema import Article  # noqa: E402

BATCH_SIZE = 500  # the CLI defaults with --engine dask (rasd.cli.DASK_BATCH_SIZE)
PARTITION_SIZE = 250


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _worker_stats() -> dict[str, float]:
    """Run on a Dask worker: its CPU seconds so far and peak RSS."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def article_stream(n: int) -> Iterator[Article]:
    for item in corpus_copies(n):
        yield item.article


def batched(stream: Iterator[Article], size: int) -> Iterator[list[Article]]:
    batch: list[Article] = []
    for article in stream:
        batch.append(article)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def run_single(n: int, stage: str, gazetteer: str, db_dir: Path) -> dict[str, Any]:
    from rasd.dask_engine import ExtractorSpec

    started = time.perf_counter()
    extractor = ExtractorSpec(gazetteer).build()
    load_s = time.perf_counter() - started
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if stage == "extract":
        events = 0
        for article in article_stream(n):
            events += len(extractor.run(article).events)
        detail: dict[str, Any] = {"events": events}
    else:
        from rasd.store import Store

        store = Store.open(f"sqlite:///{db_dir / 'single.db'}")
        counts = store.ingest(corpus_copies(n), lambda a: extractor.run(a).events, batch_size=BATCH_SIZE)
        store.close()
        detail = {"counts": counts.__dict__}
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"load_s": round(load_s, 1), "seconds": round(wall, 1), "articles_per_s": round(n / wall, 1),
            "extract_cpu_s": round(cpu, 1), "articles_per_cpu_s": round(n / cpu, 1),
            "writer_peak_rss_mb": peak_rss_mb(), **detail}


def run_dask(n: int, workers: int, stage: str, gazetteer: str, db_dir: Path) -> dict[str, Any]:
    from rasd.dask_engine import ExtractorSpec, dask_engine

    spec = ExtractorSpec(gazetteer)
    started = time.perf_counter()
    with dask_engine(spec, workers=workers, batch_size=BATCH_SIZE, partition_size=PARTITION_SIZE) as engine:
        load_s = time.perf_counter() - started  # cluster start + every worker's Extractor
        before = engine.client.run(_worker_stats)
        wall0, writer_cpu0 = time.perf_counter(), time.process_time()
        if stage == "extract":
            in_flight: deque[Any] = deque()
            events = 0
            for batch in batched(article_stream(n), BATCH_SIZE):
                in_flight.append(engine.submit(batch))
                while len(in_flight) > engine.read_ahead:
                    events += sum(len(r.outcome) for r in in_flight.popleft().result() if isinstance(r.outcome, list))
            while in_flight:
                events += sum(len(r.outcome) for r in in_flight.popleft().result() if isinstance(r.outcome, list))
            detail: dict[str, Any] = {"events": events}
        else:
            from rasd.store import Store

            store = Store.open(f"sqlite:///{db_dir / f'dask{workers}.db'}")
            counts = store.ingest(corpus_copies(n), engine, batch_size=BATCH_SIZE)
            store.close()
            detail = {"counts": counts.__dict__}
        wall, writer_cpu = time.perf_counter() - wall0, time.process_time() - writer_cpu0
        after = engine.client.run(_worker_stats)
    worker_cpu = sum(after[w]["cpu_s"] - before[w]["cpu_s"] for w in after)
    return {"load_s": round(load_s, 1), "seconds": round(wall, 1), "articles_per_s": round(n / wall, 1),
            "extract_cpu_s": round(worker_cpu, 1), "articles_per_cpu_s": round(n / worker_cpu, 1),
            "writer_cpu_s": round(writer_cpu, 1), "writer_peak_rss_mb": peak_rss_mb(),
            "worker_peak_rss_mb": sorted(after[w]["peak_rss_mb"] for w in after), **detail}


def profile(n: int, gazetteer: str, top: int = 25) -> dict[str, str]:
    from rasd.dask_engine import ExtractorSpec

    extractor = ExtractorSpec(gazetteer).build()
    batch = list(article_stream(n))
    profiler = cProfile.Profile()
    profiler.enable()
    for article in batch:
        extractor.run(article)
    profiler.disable()
    out = {}
    for key in ("tottime", "cumulative"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(key).print_stats(top)
        out[key] = buffer.getvalue()
    return out


def main() -> None:
    global BATCH_SIZE, PARTITION_SIZE
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--configs", default="single,dask1,dask2")
    parser.add_argument("--stages", default="extract,ingest")
    parser.add_argument("--profile", type=int, default=0, help="cProfile over this many articles (0: none)")
    parser.add_argument("--json", default="")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="articles per write transaction")
    parser.add_argument("--partition-size", type=int, default=PARTITION_SIZE, help="articles per Dask task")
    args = parser.parse_args()
    BATCH_SIZE, PARTITION_SIZE = args.batch_size, min(args.partition_size, args.batch_size)
    gazetteer = os.environ.get("RASD_GAZETTEER") or str(SHARED / "data/gazetteer/gazetteer_sy_iq.tsv.gz")
    results: dict[str, Any] = {"articles": args.articles, "cores": os.cpu_count(), "gazetteer": gazetteer,
                               "batch_size": BATCH_SIZE, "partition_size": PARTITION_SIZE, "runs": {}}
    with tempfile.TemporaryDirectory(prefix="rasd-throughput-") as tmp:
        for stage in args.stages.split(","):
            for config in args.configs.split(","):
                load_before = load_average()
                if config == "single":
                    run = run_single(args.articles, stage, gazetteer, Path(tmp))
                else:
                    run = run_dask(args.articles, int(config.removeprefix("dask")), stage, gazetteer, Path(tmp))
                run["load_average_before_after"] = [load_before, load_average()]
                results["runs"][f"{config}:{stage}"] = run
                print(f"{config:6} {stage:7} {run['articles_per_s']:7.1f} articles/s  "
                      f"{run['articles_per_cpu_s']:7.1f} per CPU-s  load {load_before} -> {load_average()}\n"
                      f"       {json.dumps(run)}", file=sys.stderr, flush=True)
                if args.json:  # after every run: a long benchmark stopped half-way keeps what it measured
                    Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
    for stage in args.stages.split(","):
        one, two = results["runs"].get(f"dask1:{stage}"), results["runs"].get(f"dask2:{stage}")
        if one and two:
            speedup = two["articles_per_s"] / one["articles_per_s"]
            results[f"scaling:{stage}"] = {"speedup_2_over_1": round(speedup, 2),
                                           "efficiency": round(speedup / 2, 2)}
    if args.profile:
        results["profile"] = profile(args.profile, gazetteer)
        print(results["profile"]["tottime"], file=sys.stderr)
        print(results["profile"]["cumulative"], file=sys.stderr)
    text = json.dumps(results, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
