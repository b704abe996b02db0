"""Latency of the analysts' API on a large store: p50/p95 of /api/events (pages of 500, typical
filters) and /api/stats, on SQLite and PostgreSQL.

    python bench/api_latency.py                          # 1,000,000 events, SQLite (+ PostgreSQL if reachable)
    python bench/api_latency.py --events 200000 --backends sqlite
    python bench/api_latency.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/rasd_bench

The store is filled with synthetic events by bulk insert (the extractor is not involved) into a
database at revision 0002, then upgraded to the current schema, as an existing database would be:
migration 0003 builds the summary tables and the actor index from the events, and its time is
reported. Requests go through HTTP in process (FastAPI's TestClient: routing, validation,
serialisation included; no network). ``/api/stats`` is timed cold (right after an analyst's edit
through the API, which changes the data version and so empties the cache) and warm (cached).
Without --pg-url, a throwaway PostgreSQL is started with scripts/postgres.sh when it can be.
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

from rasd.schema import SUB_EVENT_TO_TYPE  # noqa: E402
from rasd.store import Store  # noqa: E402
from rasd.store import db as dbmod  # noqa: E402
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
# Associated actors (ACLED's "A; B" lists), and a long tail of local groups each in ~0.01% of events.
ASSOCIATED = ["Women (Syria)", "Women (Iraq)", "Children (Syria)", "Health Workers (Iraq)", "Journalists (Syria)",
              "Tribal Group (Syria)", "Tribal Group (Iraq)", "Former Military Forces of Syria"]
LOCAL_GROUPS = [f"Local Militia {i} ({country})" for i in range(100) for country in ("Syria", "Iraq")]
SUBS = list(SUB_EVENT_TO_TYPE)
SUB_WEIGHTS = [3 if s in ("Armed clash", "Shelling/artillery/missile attack", "Air/drone strike", "Attack") else 1 for s in SUBS]
DAY0 = dt.date(2015, 1, 1)
DAYS = 3650


def synthetic_rows(n: int, seed: int = 7):  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    # The associated actors come from a second generator, so every other column is what the
    # first version of this benchmark generated (its figures stay comparable).
    assoc_rng = random.Random(seed + 1)
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
        assoc1 = "; ".join(assoc_rng.sample(ASSOCIATED, assoc_rng.choice((1, 2)))) if assoc_rng.random() < 0.15 else ""
        assoc2 = assoc_rng.choice(LOCAL_GROUPS) if assoc_rng.random() < 0.02 else ""
        yield {
            "event_id_cnty": f"{prefix}{seq[prefix]}", "event_date": day, "year": day.year, "time_precision": 1,
            "disorder_type": "Political violence", "event_type": SUB_EVENT_TO_TYPE[sub], "sub_event_type": sub,
            "actor1": a1, "assoc_actor_1": assoc1, "inter1": "", "actor2": a2 if rng.random() < 0.7 else "",
            "assoc_actor_2": assoc2, "inter2": "", "interaction": "", "civilian_targeting": "", "iso": iso,
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


def fill(url: str, n: int, chunk: int = 20_000) -> tuple[Store, float, float]:
    """Bulk-load at revision 0002, then upgrade (migration 0003 derives its tables from the
    events). Returns the store and the seconds of the load and of the upgrade."""
    engine = dbmod.make_engine(url)
    dbmod.upgrade(engine, "0002")
    start = time.perf_counter()
    batch = []
    with engine.begin() as connection:
        for row in synthetic_rows(n):
            batch.append(row)
            if len(batch) >= chunk:
                connection.execute(insert(EventRow), batch)
                batch = []
        if batch:
            connection.execute(insert(EventRow), batch)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    dbmod.upgrade(engine)
    upgraded = time.perf_counter() - start
    analyze(engine)
    return Store(engine), loaded, upgraded


def analyze(engine) -> None:  # type: ignore[no-untyped-def]
    """Planner statistics, as a live database has them: SQLite's ANALYZE; PostgreSQL's VACUUM
    ANALYZE (autovacuum's work: statistics and the visibility map that index-only scans need)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


QUERIES = [
    ("newest page (no filter)", {}),
    ("country + 3-month range", {"country": "Syria", "event_date_from": "2023-01-01", "event_date_to": "2023-03-31"}),
    ("event_type + year", {"event_type": "Battles", "event_date": "2022-01-01|2022-12-31"}),
    ("admin1", {"admin1": "Aleppo"}),
    ("sub_event_type + country", {"sub_event_type": "Air/drone strike", "country": "Iraq"}),
    ("actor (substring)", {"actor": "islamic state"}),
    ("actor (rare, associated)", {"actor": "local militia 17 ("}),
    ("actor + country + year", {"actor": "peshmerga", "country": "Iraq", "event_date": "2021-01-01|2021-12-31"}),
    ("fatalities >= 10 + iso", {"fatalities": 10, "iso": 368}),
    ("fatalities >= 25 (rare)", {"fatalities": 25}),
    ("bbox (Idlib area)", {"bbox": "36.0,35.5,37.0,36.5"}),
    ("bbox (a town, 0.1 deg)", {"bbox": "36.6,35.8,36.7,35.9"}),
    ("timestamp since (sync)", {"timestamp": "__recent__"}),
    ("candidates", {"status": "candidate"}),
    ("deep page of admin1 (offset)", {"admin1": "Idleb", "page": "__deep__"}),
    ("deep page of admin1 (cursor)", {"admin1": "Idleb", "cursor": "__deep__"}),
    ("csv page", {"country": "Iraq", "format": "csv"}),
    ("geojson page", {"country": "Iraq", "format": "geojson"}),
]
STATS = [
    ("stats (all)", {}),
    ("stats (country=Iraq)", {"country": "Iraq"}),
    ("stats (event_type=Battles, 2023)", {"event_type": "Battles", "event_date_from": "2023-01-01",
                                          "event_date_to": "2023-12-31"}),
    ("stats (admin1=Aleppo)", {"admin1": "Aleppo"}),
    ("stats (dragged range)", {"event_date_from": "2022-11-17", "event_date_to": "2024-02-09"}),
    ("stats (status=all)", {"status": "all"}),
    ("stats (actor, from events)", {"actor": "peshmerga"}),
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
        if path == "/api/events" and params.get("format", "json") == "json":
            count = response.json()["count"]
    return percentile(times, 0.5), percentile(times, 0.95), count


def cursor_of_page(client, params: dict, page: int) -> str:  # type: ignore[no-untyped-def]
    """The cursor that starts page ``page``, by following next_cursor from the first."""
    cursor = None
    for _ in range(page - 1):
        body = client.get("/api/events", params={**params, **({"cursor": cursor} if cursor else {})}).json()
        cursor = body["next_cursor"]
    assert cursor
    return cursor


def stats_after_writes(client, params: dict, runs: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Each run: an analyst edits an event's fatalities through the API, then /api/stats is
    called (cold: the edit changed the data version). Returns the stats and the edit times."""
    target = client.get("/api/events", params={"limit": 1, "country": "Iraq"}).json()["data"][0]["event_id_cnty"]
    stats, edits = [], []
    for i in range(runs):
        t = time.perf_counter()
        response = client.patch(f"/api/events/{target}", json={"changes": {"fatalities": i % 7}},
                                headers={"Authorization": "Bearer bench"})
        edits.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.text[:300]
        t = time.perf_counter()
        response = client.get("/api/stats", params=params)
        stats.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200, response.text[:300]
    return stats, edits


def bench(backend: str, url: str, n: int, runs: int) -> dict:
    from fastapi.testclient import TestClient

    from rasd.serve.api import create_app

    print(f"[{backend}] filling {n:,} events ...", file=sys.stderr, flush=True)
    store, loaded, upgraded = fill(url, n)
    print(f"[{backend}] loaded in {loaded:.0f} s, migration 0003 in {upgraded:.0f} s", file=sys.stderr, flush=True)
    results = {"backend": backend, "events": n, "fill_seconds": round(loaded, 1),
               "migration_0003_seconds": round(upgraded, 1), "load_before": os.getloadavg(), "queries": []}
    recent = str(int(time.time()) - n // 100)
    deep = max(2, min(20, n // 50_000))  # page 20 at 1,000,000 events (Idleb has ~36,000)
    with TestClient(create_app(store, token="bench")) as client:
        for name, params in QUERIES:
            params = {**params, "limit": 500}
            if params.get("timestamp") == "__recent__":
                params["timestamp"] = recent
            if params.get("page") == "__deep__":
                params["page"] = deep
            if params.get("cursor") == "__deep__":
                params["cursor"] = cursor_of_page(client, {k: v for k, v in params.items() if k != "cursor"}, deep)
            p50, p95, count = measure(client, "/api/events", params, runs)
            label = name.replace("deep page", f"page {deep}")
            results["queries"].append({"query": label, "params": params, "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
                                       "rows": count})
            print(f"[{backend}] {label:32s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  rows {count}", file=sys.stderr, flush=True)
        edit_times: list[float] = []
        for name, params in STATS:
            cold, edits = stats_after_writes(client, params, max(5, runs // 2))
            edit_times += edits
            p50w, p95w, _ = measure(client, "/api/stats", params, runs)
            results["queries"].append({"query": name, "params": params, "cold_p50_ms": round(percentile(cold, 0.5), 1),
                                       "cold_p95_ms": round(percentile(cold, 0.95), 1), "p50_ms": round(p50w, 1),
                                       "p95_ms": round(p95w, 1)})
            print(f"[{backend}] {name:32s} after a write p50 {percentile(cold, 0.5):7.1f} ms p95 "
                  f"{percentile(cold, 0.95):7.1f} ms; cached p50 {p50w:5.1f} ms p95 {p95w:5.1f} ms",
                  file=sys.stderr, flush=True)
        results["edit_p50_ms"] = round(statistics.median(edit_times), 1)
        results["edit_p95_ms"] = round(percentile(edit_times, 0.95), 1)
    results["load_after"] = os.getloadavg()
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
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    out = []
    backends = args.backends.split(",")
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            out.append(bench("sqlite", f"sqlite:///{tmp}/bench.db", args.events, args.runs))
    if "postgresql" in backends:
        url, started = args.pg_url, False
        env = {**os.environ, "RASD_PG_STATE": str(Path(tempfile.gettempdir()) / "rasd-bench-pg.state"),
               "RASD_PG_FSYNC": "on"}
        if not url:
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
    for result in out:
        result.update(commit=commit + ("+changes" if dirty else ""), date=dt.date.today().isoformat())
    text_out = json.dumps(out, indent=2)
    if args.json:
        Path(args.json).write_text(text_out + "\n")
    print(text_out)


if __name__ == "__main__":
    main()
