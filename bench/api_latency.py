"""Latency of the analysts' API on a large store: p50/p95 of /api/events (pages of 500, typical
filters) and /api/stats, on SQLite and PostgreSQL.

    python bench/api_latency.py                          # 1,000,000 events, SQLite (+ PostgreSQL if reachable)
    python bench/api_latency.py --events 200000 --backends sqlite
    python bench/api_latency.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/rasd_bench

The store is filled with synthetic events (bulk insert; the extractor is not involved), migrated by
the same Alembic migrations as a real one, then queried through HTTP in process (FastAPI's
TestClient: routing, validation, serialisation included; no network). Without --pg-url, a
throwaway PostgreSQL is started with scripts/postgres.sh when it can be.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import insert, text  # noqa: E402

from rasd.schema import EVENT_TYPES, SUB_EVENT_TO_TYPE  # noqa: E402
from rasd.store import Store  # noqa: E402
from rasd.store.models import EventRow  # noqa: E402

GOVERNORATES = {
    "Syria": (760, ["Aleppo", "Idleb", "Hama", "Homs", "Damascus", "Rural Damascus", "Dar'a", "As-Sweida", "Quneitra",
                    "Lattakia", "Tartous", "Ar-Raqqa", "Deir-ez-Zor", "Al-Hasakah"], (35.7, 32.3, 42.4, 37.3)),
    "Iraq": (368, ["Baghdad", "Ninewa", "Al-Anbar", "Salah al-Din", "Diyala", "Kirkuk", "Erbil", "Duhok", "Sulaymaniyah",
                   "Babil", "Karbala", "Najaf", "Wassit", "Basrah"], (38.8, 29.1, 48.6, 37.4)),
}
ACTORS = ["Military Forces of Syria", "Islamic State (ISIS)", "HTS: Hayat Tahrir al-Sham", "SDF: Syrian Democratic Forces",
          "Military Forces of Turkey", "Military Forces of Russia", "Hezbollah", "Free Syrian Army", "Civilians (Syria)",
          "Military Forces of Iraq", "Popular Mobilization Forces", "Peshmerga", "Civilians (Iraq)",
          "Unidentified Armed Group (Syria)", "Unidentified Armed Group (Iraq)", "Global Coalition Against Daesh",
          "Military Forces of the United States", "Police Forces of Iraq", "Protesters (Iraq)", "Asayish"]
SUBS = list(SUB_EVENT_TO_TYPE)
SUB_WEIGHTS = [3 if s in ("Armed clash", "Shelling/artillery/missile attack", "Air/drone strike", "Attack") else 1 for s in SUBS]
DAY0 = dt.date(2015, 1, 1)
DAYS = 3650


def synthetic_rows(n: int, seed: int = 7):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    now = int(time.time())
    seq = {"SYR": 0, "IRQ": 0}
    for i in range(n):
        country = "Syria" if rng.random() < 0.7 else "Iraq"
        iso, admins, (w, s, e, nn) = GOVERNORATES[country]
        prefix = "SYR" if country == "Syria" else "IRQ"
        seq[prefix] += 1
        sub = rng.choices(SUBS, SUB_WEIGHTS)[0]
        day = DAY0 + dt.timedelta(days=int(rng.random() ** 0.7 * DAYS))  # more events in recent years
        a1, a2 = rng.sample(ACTORS, 2)
        candidate = rng.random() < 0.08
        yield {
            "event_id_cnty": f"{prefix}{seq[prefix]}", "event_date": day, "year": day.year, "time_precision": 1,
            "disorder_type": "Political violence", "event_type": SUB_EVENT_TO_TYPE[sub], "sub_event_type": sub,
            "actor1": a1, "assoc_actor_1": "", "inter1": "", "actor2": a2 if rng.random() < 0.7 else "",
            "assoc_actor_2": "", "inter2": "", "interaction": "", "civilian_targeting": "", "iso": iso,
            "region": "Middle East", "country": country, "admin1": rng.choice(admins), "admin2": "", "admin3": "",
            "location": f"Place {rng.randrange(5000)}",
            "latitude": None if candidate else round(rng.uniform(s, nn), 4),
            "longitude": None if candidate else round(rng.uniform(w, e), 4), "geo_precision": 1,
            "source": "Synthetic", "source_scale": "", "notes": "", "fatalities": int(rng.expovariate(0.4)), "tags": "",
            "timestamp": now - (n - i), "doc_id": f"doc{i}", "status": "candidate" if candidate else "event",
            "reason": "unlocated" if candidate else "", "where_prec": 1, "date_prec": 1, "fatalities_low": 0,
            "fatalities_best": 0, "fatalities_high": 0, "location_ar": "", "place_id": "", "source_sentence": "",
            "evidence": {}, "explain": {}, "created_at": now, "report_count": 1,
        }


def fill(store: Store, n: int, chunk: int = 20_000) -> float:
    start = time.perf_counter()
    batch = []
    with store.engine.begin() as connection:
        for row in synthetic_rows(n):
            batch.append(row)
            if len(batch) >= chunk:
                connection.execute(insert(EventRow), batch)
                batch = []
        if batch:
            connection.execute(insert(EventRow), batch)
    with store.engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return time.perf_counter() - start


QUERIES = [
    ("newest page (no filter)", "/api/events", {}),
    ("country + 3-month range", "/api/events", {"country": "Syria", "event_date_from": "2023-01-01", "event_date_to": "2023-03-31"}),
    ("event_type + year", "/api/events", {"event_type": "Battles", "event_date": "2022-01-01|2022-12-31"}),
    ("admin1", "/api/events", {"admin1": "Aleppo"}),
    ("sub_event_type + country", "/api/events", {"sub_event_type": "Air/drone strike", "country": "Iraq"}),
    ("actor (substring)", "/api/events", {"actor": "islamic state"}),
    ("fatalities >= 10 + iso", "/api/events", {"fatalities": 10, "iso": 368}),
    ("bbox (Idlib area)", "/api/events", {"bbox": "36.0,35.5,37.0,36.5"}),
    ("timestamp since (sync)", "/api/events", {"timestamp": "__recent__"}),
    ("candidates", "/api/events", {"status": "candidate"}),
    ("page 20 of admin1", "/api/events", {"admin1": "Idleb", "page": 20}),
    ("csv page", "/api/events", {"country": "Iraq", "format": "csv"}),
]


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def measure(client, path: str, params: dict, runs: int) -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    times, count = [], 0
    for i in range(runs + 2):
        t = time.perf_counter()
        response = client.get(path, params=params)
        elapsed = (time.perf_counter() - t) * 1000
        assert response.status_code == 200, response.text[:300]
        if i >= 2:  # two warm-up requests
            times.append(elapsed)
        if path == "/api/events" and params.get("format") != "csv":
            count = response.json()["count"]
    return percentile(times, 0.5), percentile(times, 0.95), count


def bench(backend: str, url: str, n: int, runs: int) -> dict:
    from fastapi.testclient import TestClient

    from rasd.serve.api import create_app
    from rasd.store import queries

    store = Store.open(url)
    print(f"[{backend}] filling {n:,} events ...", file=sys.stderr, flush=True)
    fill_s = fill(store, n)
    print(f"[{backend}] filled in {fill_s:.0f} s", file=sys.stderr, flush=True)
    results = {"backend": backend, "events": n, "fill_seconds": round(fill_s, 1), "queries": []}
    recent = str(int(time.time()) - n // 100)
    with TestClient(create_app(store, token="")) as client:
        for name, path, params in QUERIES:
            params = {**params, "limit": 500}
            if params.get("timestamp") == "__recent__":
                params["timestamp"] = recent
            p50, p95, count = measure(client, path, params, runs)
            results["queries"].append({"query": name, "params": params, "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
                                       "rows": count})
            print(f"[{backend}] {name:30s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  rows {count}", file=sys.stderr, flush=True)
        # /api/stats: cold (computed; the cache is keyed on the data version, so a write between
        # two calls means the next is cold) and warm (served from the cache)
        for name, params in [("stats (all)", {}), ("stats (country=Iraq)", {"country": "Iraq"}),
                             ("stats (event_type=Battles, 2023)", {"event_type": "Battles", "event_date_from": "2023-01-01",
                                                                   "event_date_to": "2023-12-31"})]:
            cold = []
            q = __import__("rasd.serve.api", fromlist=["build_query"]).build_query(**params)
            for _ in range(max(3, runs // 5)):
                t = time.perf_counter()
                queries.event_stats(store, q)
                cold.append((time.perf_counter() - t) * 1000)
            p50w, p95w, _ = measure(client, "/api/stats", params, runs)
            results["queries"].append({"query": name, "params": params, "cold_p50_ms": round(percentile(cold, 0.5), 1),
                                       "cold_p95_ms": round(percentile(cold, 0.95), 1), "p50_ms": round(p50w, 1),
                                       "p95_ms": round(p95w, 1)})
            print(f"[{backend}] {name:30s} cold p50 {percentile(cold, 0.5):7.1f} ms p95 {percentile(cold, 0.95):7.1f} ms;"
                  f" cached p50 {p50w:5.1f} ms p95 {p95w:5.1f} ms", file=sys.stderr, flush=True)
    store.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get("RASD_BENCH_POSTGRES_URL", ""))
    parser.add_argument("--json", help="Write the results here as JSON.")
    args = parser.parse_args()
    out = []
    backends = args.backends.split(",")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            out.append(bench("sqlite", f"sqlite:///{tmp}/bench.db", args.events, args.runs))
    if "postgresql" in backends:
        url, started = args.pg_url, False
        if not url:
            env = {**os.environ, "RASD_PG_STATE": str(Path(tempfile.gettempdir()) / "rasd-bench-pg.state"),
                   "RASD_PG_FSYNC": "on"}
            result = subprocess.run(["bash", str(ROOT / "scripts/postgres.sh"), "start"], capture_output=True, text=True,
                                    env=env)
            url, started = result.stdout.strip(), result.returncode == 0
            if not started:
                print(f"PostgreSQL not available: {result.stderr[-500:]}", file=sys.stderr)
        if url:
            try:
                out.append(bench("postgresql", url, args.events, args.runs))
            finally:
                if started:
                    subprocess.run(["bash", str(ROOT / "scripts/postgres.sh"), "stop"], env=env, check=False)
    text_out = json.dumps(out, indent=2)
    if args.json:
        Path(args.json).write_text(text_out + "\n")
    print(text_out)


if __name__ == "__main__":
    main()
