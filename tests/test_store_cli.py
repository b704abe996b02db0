"""``rasd ingest`` and ``rasd export`` end to end: the real command in a subprocess, real files,
a real HTTP server on 127.0.0.1, and every export format read back with a parser."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from rasd.schema import ACLED_COLUMNS, RASD_COLUMNS
from tests.conftest import CORPUS, needs_shared
from tests.local_http import Route, rss, start_server
from tests.store_cli import dump, run_rasd

pytestmark = needs_shared


def _corpus(n: int, start: int = 0) -> list[dict]:
    out = []
    with CORPUS.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number >= start + n:
                break
            if number >= start:
                out.append(json.loads(line))
    return out


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    state, httpd = start_server()
    yield state
    httpd.shutdown()


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory, server) -> dict:  # type: ignore[no-untyped-def]
    """A folder of mixed inputs (and two URLs) ingested once, then again."""
    folder = tmp_path_factory.mktemp("inputs")
    docs = _corpus(12, start=40)
    (folder / "dated.txt").write_text(docs[0]["text"], encoding="utf-8")
    (folder / "dated.json").write_text(json.dumps({"published": docs[0]["published"], "url": docs[0]["url"],
                                                   "source": docs[0]["source"]}), encoding="utf-8")
    (folder / "undated.txt").write_text(docs[1]["text"], encoding="utf-8")
    sub = folder / "sub"
    sub.mkdir()
    (sub / "page.html").write_text(
        f'<html><head><meta property="article:published_time" content="{docs[2]["published"]}T10:00:00Z">'
        f'<title>{docs[2]["title"]}</title></head><body><article><p>'
        + "</p><p>".join(docs[2]["text"].split("\n")) + "</p></article></body></html>", encoding="utf-8")
    lines = [json.dumps(docs[3], ensure_ascii=False), "{broken json", json.dumps({**docs[4], "published": None},
                                                                                  ensure_ascii=False),
             json.dumps(docs[5], ensure_ascii=False)]
    (sub / "dump.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (sub / "latin1.txt").write_bytes("قصف".encode("utf-8") + b"\xff\xfe bad bytes")
    (sub / "feed.rss").write_bytes(rss([{"title": docs[6]["title"], "link": "http://127.0.0.1:9/a6",
                                         "pubDate": "Tue, 20 Mar 2018 10:00:00 GMT",
                                         "content": "<p>" + docs[6]["text"] + "</p>"}]))
    (sub / "broken.xml").write_text("<rss this is <<< not a feed & at all", encoding="utf-8")
    server.routes["/story.html"] = Route(body=(
        f'<html><head><meta property="article:published_time" content="{docs[7]["published"]}"><title>t</title>'
        f'</head><body><article><p>' + "</p><p>".join(docs[7]["text"].split("\n")) + "</p></article></body></html>"
    ).encode("utf-8"))
    db = tmp_path_factory.mktemp("db") / "rasd.db"
    targets = [str(folder), server.url("/story.html"), server.url("/missing.html")]
    first = run_rasd("ingest", *targets, "--db", str(db), "--no-progress")
    before = dump(f"sqlite:///{db}")
    second = run_rasd("ingest", *targets, "--db", str(db), "--no-progress")
    return {"db": db, "first": first.stderr.splitlines()[-1], "second": second.stderr.splitlines()[-1],
            "before": before, "after": dump(f"sqlite:///{db}"), "folder": folder}


def test_store_cli_ingest_summary_counts_every_input(ingested: dict) -> None:
    # read: dated.txt, undated.txt, page.html, 4 JSONL lines, latin1.txt, 1 feed item, broken.xml, 2 URLs = 12
    assert ingested["first"] == ("rasd: ingest: read 12, new 6, duplicate 0, coded 6, rejected 6; "
                                 + ingested["first"].split("; ", 1)[1])
    assert ingested["second"].startswith("rasd: ingest: read 12, new 0, duplicate 6, coded 0, rejected 6; events: 0 new")


def test_store_cli_ingest_twice_changes_nothing(ingested: dict) -> None:
    assert ingested["after"] == ingested["before"]


def test_store_cli_bad_inputs_are_recorded_with_reasons(ingested: dict) -> None:
    from rasd.store import Store

    store = Store.open(str(ingested["db"]))
    reasons = {Path(r.origin.split(":")[0] if not r.origin.startswith("http") else r.origin).name: r.reason
               for r in store.rejected()}
    store.close()
    assert reasons["undated.txt"].startswith("no publication date")
    assert reasons["latin1.txt"].startswith("unreadable: not UTF-8")
    assert reasons["broken.xml"].startswith("broken feed")
    assert reasons["missing.html"] == "fetch failed: HTTP 404 Not Found"
    store = Store.open(str(ingested["db"]))
    jsonl_reasons = sorted(r.reason for r in store.rejected() if "dump.jsonl" in r.origin)
    store.close()
    assert jsonl_reasons[0] == "missing published date" and jsonl_reasons[1].startswith("not JSON")


def test_store_cli_sources_are_kept(ingested: dict) -> None:
    rows = {row[0]: row for row in ingested["after"]["articles"]}
    urls = {row[2] for row in rows.values()}
    assert "http://127.0.0.1:9/a6" in urls  # the feed item, by its link
    assert any(u and u.endswith("/story.html") for u in urls)


@pytest.fixture(scope="module")
def exports(ingested: dict, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("exports")
    paths = {}
    for fmt in ("csv", "geojson", "jsonl", "xlsx", "parquet"):
        paths[fmt] = out / f"events.{fmt}"
        run_rasd("export", "--db", str(ingested["db"]), "--format", fmt, "-o", str(paths[fmt]))
    paths["all"] = out / "all.jsonl"
    run_rasd("export", "--db", str(ingested["db"]), "--format", "jsonl", "--include-candidates", "-o", str(paths["all"]))
    return paths


def test_store_cli_csv_starts_with_acled_columns_in_order(exports: dict[str, Path]) -> None:
    with exports["csv"].open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0][:31]) == ACLED_COLUMNS
    assert tuple(rows[0][31:]) == RASD_COLUMNS
    assert len(rows) > 1 and all(len(r) == len(rows[0]) for r in rows)


def test_store_cli_geojson_is_valid(exports: dict[str, Path]) -> None:
    import geojson

    collection = geojson.loads(exports["geojson"].read_text(encoding="utf-8"))
    assert collection.is_valid, collection.errors()
    assert collection["type"] == "FeatureCollection" and collection["features"]
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert (round(feature["properties"]["latitude"], 4), round(feature["properties"]["longitude"], 4)) == (lat, lon)


def test_store_cli_xlsx_parquet_jsonl_hold_the_same_events(exports: dict[str, Path]) -> None:
    import openpyxl
    import pyarrow.parquet as pq

    jsonl = [json.loads(line) for line in exports["jsonl"].read_text(encoding="utf-8").splitlines()]
    sheet = openpyxl.load_workbook(exports["xlsx"], read_only=True)["events"]
    xlsx_rows = list(sheet.iter_rows(values_only=True))
    table = pq.read_table(exports["parquet"])
    assert tuple(xlsx_rows[0]) == (*ACLED_COLUMNS, *RASD_COLUMNS)
    assert tuple(table.column_names) == (*ACLED_COLUMNS, *RASD_COLUMNS)
    ids = [e["event_id_cnty"] for e in jsonl]
    assert [r[0] for r in xlsx_rows[1:]] == ids == table.column("event_id_cnty").to_pylist()
    assert all(e["status"] == "event" for e in jsonl)


def test_store_cli_candidates_only_with_include_candidates(exports: dict[str, Path]) -> None:
    everything = [json.loads(line) for line in exports["all"].read_text(encoding="utf-8").splitlines()]
    certain = exports["jsonl"].read_text(encoding="utf-8").splitlines()
    assert any(e["status"] == "candidate" for e in everything)
    assert len(certain) == sum(e["status"] == "event" for e in everything)


def test_store_cli_export_filters(ingested: dict) -> None:
    out = run_rasd("export", "--db", str(ingested["db"]), "--format", "jsonl", "--country", "Syria").stdout
    syria = [json.loads(line) for line in out.splitlines()]
    assert syria and all(e["country"] == "Syria" for e in syria)
    none = run_rasd("export", "--db", str(ingested["db"]), "--format", "jsonl", "--since", "2999-01-01").stdout
    assert none == ""
    early = run_rasd("export", "--db", str(ingested["db"]), "--format", "jsonl", "--to", "1990-01-01").stdout
    assert early == ""
    bad = run_rasd("export", "--db", str(ingested["db"]), "--format", "pdf", check=False)
    assert bad.returncode == 2 and "--format must be one of" in bad.stderr


def test_store_cli_dev_corpus_twice_gives_the_same_database(tmp_path: Path) -> None:
    """Issue 5, done-when: ingesting the whole development corpus twice gives the same database."""
    db = tmp_path / "rasd.db"
    first = run_rasd("ingest", str(CORPUS), "--db", str(db), "--no-progress", "--batch-size", "200")
    assert first.stderr.splitlines()[-1].startswith("rasd: ingest: read 2063, new 2063, duplicate 0, coded 2063, rejected 0")
    before = dump(f"sqlite:///{db}")
    second = run_rasd("ingest", str(CORPUS), "--db", str(db), "--no-progress", "--batch-size", "200")
    assert second.stderr.splitlines()[-1].startswith("rasd: ingest: read 2063, new 0, duplicate 2063")
    assert dump(f"sqlite:///{db}") == before


def test_store_cli_progress_bar_and_deletions_export(tmp_path: Path) -> None:
    source = tmp_path / "thirty.jsonl"
    source.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in _corpus(30)), encoding="utf-8")
    db = str(tmp_path / "rasd.db")
    result = run_rasd("ingest", str(source), "--db", db, "--progress", "--batch-size", "10")
    assert "30/30" in result.stderr  # the bar reached the end
    deletions = list(csv.DictReader(run_rasd("export", "--db", db, "--deletions", "--format", "csv").stdout.splitlines()))
    events = {json.loads(line)["event_id_cnty"] for line in run_rasd("export", "--db", db, "--format", "jsonl",
                                                                      "--include-candidates").stdout.splitlines()}
    for row in deletions:  # a withdrawn id is gone, and what it merged into is there
        assert row["event_id_cnty"] not in events and row["merged_into"] in events
        assert row["reason"] == f"duplicate: merged into {row['merged_into']}"
    info = json.loads(run_rasd("db", "info", "--db", db).stdout)
    assert info["articles"] == 30 and info["deletions"] == len(deletions)


def test_store_cli_a_broken_merge_model_stops_before_anything_is_read(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "model.yaml").write_text("threshold: 2\n", encoding="utf-8")
    (tmp_path / "article.txt").write_text("قتل خمسة مدنيين في قصف على دوما السبت.", encoding="utf-8")
    monkeypatch.setenv("RASD_MERGE_MODEL", str(tmp_path / "model.yaml"))
    result = run_rasd("ingest", str(tmp_path / "article.txt"), "--db", f"sqlite:///{tmp_path / 'rasd.db'}",
                      "--published", "2018-04-08", check=False)
    assert result.returncode == 2
    assert f"rasd: the merge model ({tmp_path / 'model.yaml'}) is not valid" in result.stderr
    assert "intercept" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "rasd.db").exists()
