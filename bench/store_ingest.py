"""Benchmark: ingest N articles into the store and report articles/s, database size, peak memory.

    python bench/store_ingest.py --db rasd-bench.db [--articles 100000] [--json out.json]
    python bench/store_ingest.py --db postgresql+psycopg://postgres@127.0.0.1:PORT/rasd_bench

The development corpus (2,063 articles) is repeated until N: copy k has ids ``ID~k``, URLs with
``?copy=k``, publication dates shifted by 45*k days (so copies' events do not merge with each
other by date), and a last line "رقم النسخة k" so its normalised content hash differs (the store
would otherwise, rightly, call it a duplicate). The whole pipeline runs: reading, extraction
(lexicons + gazetteer; RASD_GAZETTEER if set, else the built-in fallback), deduplication against
the stored events, batched commits. A second pass re-reads the same N articles, all duplicates.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from rasd.gazetteer import get_gazetteer  # noqa: E402
from rasd.ingest import ArticleRejected, read_jsonl_articles  # noqa: E402
from rasd.pipeline import Extractor  # noqa: E402
from rasd.store import Store  # noqa: E402
from rasd.store.repository import Incoming, IngestCounts  # noqa: E402

SHARED = Path(os.environ.get("RASD_SHARED", ROOT.parent / "shared"))


def articles(n: int) -> Iterator[Incoming]:
    with (SHARED / "data/corpus/dev.jsonl").open(encoding="utf-8") as handle:
        base = [a for a in read_jsonl_articles(handle) if not isinstance(a, ArticleRejected)]
    produced = 0
    copy = 0
    while produced < n:
        for article in base:
            if produced >= n:
                return
            yield Incoming(article.model_copy(update={
                "id": f"{article.id}~{copy}", "url": f"{article.url}?copy={copy}" if article.url else "",
                "published": article.published + dt.timedelta(days=45 * copy),
                "text": f"{article.text}\nرقم النسخة {copy}",
            }), origin=f"bench:copy{copy}")
            produced += 1
        copy += 1


def database_size(store: Store, db: str) -> int:
    if store.backend == "sqlite":
        path = Path(store.engine.url.database or "")
        return sum(p.stat().st_size for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())
    from sqlalchemy import text

    with store.engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


def emit(result: dict[str, object], path: str) -> None:
    """Print the result as JSON, and write it to ``path`` if one is given."""
    text = json.dumps(result, indent=2)
    print(text)
    if path:
        Path(path).write_text(text + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--json", default="")
    args = parser.parse_args()

    extractor = Extractor(get_gazetteer())
    store = Store.open(args.db)
    started = time.perf_counter()
    done = 0

    def progress(counts: IngestCounts) -> None:
        nonlocal done
        before, done = done, done + counts.read
        if done // 2000 != before // 2000:
            elapsed = time.perf_counter() - started
            print(f"{done} articles in {elapsed:.0f} s ({done / elapsed:.1f}/s)", file=sys.stderr, flush=True)

    counts = store.ingest(articles(args.articles), lambda a: extractor.run(a).events, batch_size=args.batch_size,
                          on_batch=progress)
    elapsed = time.perf_counter() - started
    size = database_size(store, args.db)
    started_again = time.perf_counter()
    again = store.ingest(articles(args.articles), lambda a: extractor.run(a).events, batch_size=args.batch_size)
    elapsed_again = time.perf_counter() - started_again
    result = {
        "backend": store.backend, "articles": args.articles, "gazetteer": extractor.gazetteer.source,
        "seconds": round(elapsed, 1), "articles_per_s": round(args.articles / elapsed, 1),
        "counts": counts.__dict__, "database_bytes": size, "database_mb": round(size / 1e6, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "duplicate_pass_seconds": round(elapsed_again, 1),
        "duplicate_pass_articles_per_s": round(args.articles / elapsed_again, 1),
        "duplicate_pass_new": again.new, "tables": store.counts(),
    }
    store.close()
    emit(result, args.json)


if __name__ == "__main__":
    main()
