"""The analysts' API through HTTP (FastAPI's TestClient), on a store built from the development
corpus, on SQLite and on PostgreSQL: every endpoint, every filter, every error."""

from __future__ import annotations

import csv
import io
import time

import pytest
from fastapi.testclient import TestClient

from rasd.schema import ACLED_COLUMNS, Event
from rasd.serve.api import DEFAULT_FIELDS, MAX_LIMIT, create_app
from rasd.store import queries
from rasd.store.export import COLUMNS
from tests.api_fixtures import HOSTILE_ID, fill_store
from tests.conftest import GAZETTEER_TSV, STORE_BACKENDS, fresh_database_url, needs_shared

pytestmark = needs_shared
TOKEN = "test-token-123"


@pytest.fixture(scope="module", params=STORE_BACKENDS)
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, full_extractor):  # type: ignore[no-untyped-def]
    url = fresh_database_url(request.param, tmp_path_factory.mktemp("api"))
    store = fill_store(url, full_extractor)
    with TestClient(create_app(store, token=TOKEN, gazetteer=str(GAZETTEER_TSV))) as c:
        yield c
    store.close()


def events(client: TestClient, **params: object) -> list[dict]:
    response = client.get("/api/events", params={"limit": MAX_LIMIT, **params})
    assert response.status_code == 200, response.text
    return response.json()["data"]


def error(client: TestClient, path: str, code: int = 422, **params: object) -> dict:
    response = client.get(path, params=params)
    assert response.status_code == code, response.text[:500]
    body = response.json()
    assert body["success"] is False and body["status"] == code and body["error"]["message"]
    return body["error"]


def test_api_health_and_docs(client: TestClient) -> None:
    health = client.get("/api/health").json()
    assert health["success"] and health["events"] > 100 and health["review"] is True
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/events", "/api/events/{event_id_cnty}", "/api/deleted", "/api/stats", "/api/health"} <= set(paths)


def test_api_events_default_page(client: TestClient) -> None:
    body = client.get("/api/events").json()
    assert body["success"] and body["page"] == 1 and body["limit"] == 500 and 0 < body["count"] <= 500
    rows = body["data"]
    assert list(rows[0]) == list(DEFAULT_FIELDS)
    assert all(r["status"] == "event" for r in rows)
    keys = [(r["event_date"], int(r["event_id_cnty"][3:])) for r in rows]
    assert [k[0] for k in keys] == sorted((k[0] for k in keys), reverse=True)  # newest first


def test_api_events_paging_is_stable_and_capped(client: TestClient) -> None:
    everything = [r["event_id_cnty"] for r in events(client)]
    pages, page = [], 1
    while True:
        body = client.get("/api/events", params={"limit": 50, "page": page}).json()
        pages += [r["event_id_cnty"] for r in body["data"]]
        if not body["has_more"]:
            break
        page += 1
    assert pages == everything and len(set(pages)) == len(pages) and page > 1
    assert error(client, "/api/events", limit=MAX_LIMIT + 1)["parameter"] == "limit"
    assert error(client, "/api/events", limit=0)["parameter"] == "limit"
    assert error(client, "/api/events", page=0)["parameter"] == "page"
    assert client.get("/api/events", params={"page": 10_000}).json()["data"] == []


def test_api_events_date_filters(client: TestClient) -> None:
    rows = events(client, event_date_from="2015-07-10", event_date_to="2015-07-20")
    assert rows and all("2015-07-10" <= r["event_date"] <= "2015-07-20" for r in rows)
    assert rows == events(client, event_date="2015-07-10|2015-07-20")  # ACLED's form
    one_day = rows[0]["event_date"]
    assert {r["event_date"] for r in events(client, event_date=one_day)} == {one_day}
    assert error(client, "/api/events", event_date_from="2015-13-01")["parameter"] == "event_date_from"
    assert error(client, "/api/events", event_date_to="yesterday")["parameter"] == "event_date_to"
    assert error(client, "/api/events", event_date="2015-01-01|x")["parameter"] == "event_date"
    assert error(client, "/api/events", event_date_from="2015-08-01", event_date_to="2015-07-01")["parameter"] == "event_date_from"


def test_api_events_place_filters(client: TestClient) -> None:
    everything = events(client)
    for column in ("country", "admin1", "admin2"):
        value = next(r[column] for r in everything if r[column])
        rows = events(client, **{column: value})
        assert rows and all(r[column] == value for r in rows)
        assert len(rows) == sum(r[column] == value for r in everything)
    iraq = events(client, iso=368)
    assert all(r["iso"] == 368 for r in iraq)
    assert len(iraq) + len(events(client, iso=760)) <= len(everything)
    assert error(client, "/api/events", iso="Syria")["parameter"] == "iso"
    assert events(client, country="Atlantis") == []


def test_api_events_bbox(client: TestClient) -> None:
    # Damascus and around
    rows = events(client, bbox="35.9,33.2,36.7,33.8")
    assert rows and all(35.9 <= r["longitude"] <= 36.7 and 33.2 <= r["latitude"] <= 33.8 for r in rows)
    assert len(rows) < len(events(client))
    assert error(client, "/api/events", bbox="1,2,3")["parameter"] == "bbox"
    assert error(client, "/api/events", bbox="40,30,30,35")["parameter"] == "bbox"


def test_api_events_type_filters(client: TestClient) -> None:
    everything = events(client)
    for column in ("event_type", "sub_event_type", "interaction"):
        value = next(r[column] for r in everything if r[column])
        rows = events(client, **{column: value})
        assert rows and all(r[column] == value for r in rows)
        assert len(rows) == sum(r[column] == value for r in everything)
    assert error(client, "/api/events", event_type="Picnics")["parameter"] == "event_type"
    assert error(client, "/api/events", sub_event_type="Armed clashes")["parameter"] == "sub_event_type"


def test_api_events_actor_matches_every_actor_column(client: TestClient) -> None:
    everything = events(client, fields="all")
    rows = events(client, actor="islamic state", fields="all")
    assert rows
    for r in rows:
        assert any("islamic state" in r[c].lower() for c in ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2"))
    expected = [r for r in everything if any("islamic state" in r[c].lower()
                                             for c in ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2"))]
    assert len(rows) == len(expected)
    assert any("islamic state" in r["actor2"].lower() and "islamic state" not in r["actor1"].lower() for r in rows) or \
        any("islamic state" in r["assoc_actor_1"].lower() for r in rows) or all(
        "islamic state" in r["actor1"].lower() for r in rows)


def test_api_events_fatalities_minimum(client: TestClient) -> None:
    rows = events(client, fatalities=5)
    assert rows and all(r["fatalities"] >= 5 for r in rows)
    assert len(events(client, fatalities=0)) == len(events(client))
    assert error(client, "/api/events", fatalities=-1)["parameter"] == "fatalities"
    assert error(client, "/api/events", fatalities="many")["parameter"] == "fatalities"


def test_api_events_status_and_timestamp(client: TestClient) -> None:
    candidates = events(client, status="candidate")
    assert candidates and all(r["status"] == "candidate" and r["reason"] for r in candidates)
    both = events(client, status="all")
    assert len(both) == len(candidates) + len(events(client))
    assert error(client, "/api/events", status="maybe")["parameter"] == "status"
    newest = max(r["timestamp"] for r in both)
    assert events(client, timestamp=newest + 1, status="all") == []
    assert len(events(client, timestamp=0, status="all")) == len(both)
    synced = events(client, timestamp="2000-01-01T00:00:00", status="all")
    assert sorted(map(str, synced)) == sorted(map(str, both))
    stamps = [r["timestamp"] for r in synced]
    assert stamps == sorted(stamps)  # a sync gets the changes in the order they were made
    assert error(client, "/api/events", timestamp="last week")["parameter"] == "timestamp"


def test_api_events_fields(client: TestClient) -> None:
    rows = events(client, fields="event_id_cnty,event_date,fatalities", limit=5)
    assert rows and all(list(r) == ["event_id_cnty", "event_date", "fatalities"] for r in rows)
    assert list(events(client, fields="all", limit=1)[0])[:31] == list(ACLED_COLUMNS)
    err = error(client, "/api/events", fields="event_id_cnty,nonsense")
    assert err["parameter"] == "fields" and "nonsense" in err["message"]


def test_api_events_csv_and_geojson(client: TestClient) -> None:
    response = client.get("/api/events", params={"format": "csv", "limit": 20})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(response.text)))
    assert len(table) == 20 and list(table[0]) == list(DEFAULT_FIELDS)
    response = client.get("/api/events", params={"format": "csv", "fields": "event_id_cnty,location", "limit": 3})
    assert response.text.splitlines()[0] == "event_id_cnty,location"
    geo = client.get("/api/events", params={"format": "geojson", "limit": 20})
    assert geo.headers["content-type"].startswith("application/geo+json")
    collection = geo.json()
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 20
    feature = collection["features"][0]
    assert feature["geometry"]["type"] == "Point" and feature["id"] == feature["properties"]["event_id_cnty"]
    assert error(client, "/api/events", format="xml")["parameter"] == "format"


def test_api_event_detail_has_sources_and_evidence(client: TestClient) -> None:
    multi = [r for r in events(client, fields="all") if ";" in r["source"]]
    target = multi[0] if multi else events(client, fields="all")[0]
    body = client.get(f"/api/events/{target['event_id_cnty']}").json()
    assert body["data"]["event_id_cnty"] == target["event_id_cnty"]
    assert body["sources"] and body["history"][0]["action"] == "insert"
    for source in body["sources"]:
        assert source["title"] and source["outlet"] and source["published"] and source["source_sentence"]
        fields_ = {span["field"] for span in source["evidence"]}
        assert "trigger" in fields_
        for span in source["evidence"]:
            if span["sentence_start"] is not None:
                assert source["source_sentence"][span["sentence_start"]:span["sentence_end"]] == span["text"]
    if multi:
        assert len(body["sources"]) >= 2
    err = error(client, "/api/events/SYR999999", code=404)
    assert "SYR999999" in err["message"]


def test_api_hostile_article_comes_back_verbatim(client: TestClient) -> None:
    rows = [r for r in events(client, status="all", fields="all") if r["doc_id"] == HOSTILE_ID]
    assert rows
    body = client.get(f"/api/events/{rows[0]['event_id_cnty']}").json()
    assert body["sources"][0]["title"].startswith("<script>")


def test_api_deleted(client: TestClient) -> None:
    body = client.get("/api/deleted").json()
    assert body["success"] and body["count"] > 0  # the slice has duplicates merged across articles
    row = body["data"][0]
    assert set(row) == {"event_id_cnty", "deleted_at", "reason", "merged_into"} and row["merged_into"]
    assert client.get(f"/api/events/{row['event_id_cnty']}").status_code == 404
    assert client.get("/api/deleted", params={"since": int(time.time()) + 3600}).json()["data"] == []
    assert len(client.get("/api/deleted", params={"since": "2000-01-01"}).json()["data"]) == body["count"]
    assert error(client, "/api/deleted", since="soon")["parameter"] == "since"


def test_api_stats(client: TestClient) -> None:
    data = client.get("/api/stats").json()["data"]
    total = data["total"]
    assert total["events"] == len(events(client))
    assert sum(w["events"] for w in data["by_week"]) == total["events"]
    assert sum(w["fatalities"] for w in data["by_week"]) == total["fatalities"]
    assert sum(d["events"] for d in data["by_day"]) == total["events"]
    assert sum(t["events"] for t in data["by_event_type"]) == total["events"]
    assert sum(a["events"] for a in data["by_admin1"]) == total["events"]
    assert data["by_actor"] and data["by_actor"][0]["events"] >= data["by_actor"][-1]["events"]
    latest = data["latest_week"]
    assert latest["week"] == data["by_week"][-1]["week"]
    assert set(latest) >= {"events", "fatalities", "avg_4_weeks_events", "avg_4_weeks_fatalities", "events_change_pct"}
    kind = data["by_event_type"][0]["name"]
    filtered = client.get("/api/stats", params={"event_type": kind}).json()["data"]
    assert filtered["total"]["events"] == data["by_event_type"][0]["events"]
    assert error(client, "/api/stats", event_type="nope")["parameter"] == "event_type"
    assert error(client, "/api/stats", top=0)["parameter"] == "top"


def test_api_unknown_route_and_method(client: TestClient) -> None:
    err = error(client, "/api/nothing-here", code=404)
    assert err["message"] == "not found"
    response = client.delete("/api/events")
    assert response.status_code == 405 and response.json()["success"] is False


def test_api_gazetteer_lookup(client: TestClient) -> None:
    body = client.get("/api/gazetteer", params={"q": "أريحا"}).json()
    assert body["count"] >= 1 and any(p["admin1"] == "Idleb" for p in body["data"])
    latin = client.get("/api/gazetteer", params={"q": "Ariha"}).json()["data"]
    assert latin and latin[0]["name"].lower().startswith("ariha")
    assert error(client, "/api/gazetteer", q="")["parameter"] == "q"


def test_api_boundaries_and_page(client: TestClient) -> None:
    collection = client.get("/api/boundaries").json()
    levels = {(f["properties"]["country"], f["properties"]["level"]) for f in collection["features"]}
    assert ("Syria", "admin1") in levels and ("Iraq", "admin1") in levels and ("Syria", "admin2") in levels
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert client.get("/static/app.js").status_code == 200


def test_api_page_rows_equal_the_full_records(client: TestClient) -> None:
    """JSON pages are read straight from the chosen columns: they must equal the Event records."""
    for row in events(client, fields="all", status="all", limit=30):
        assert row == client.get(f"/api/events/{row['event_id_cnty']}").json()["data"]


# -- paths the filters take at scale (rasd.store.queries): each gives what the plain filter gives ---
ACTOR_COLUMNS = ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2")


def ids(rows: list[dict]) -> list[str]:
    return [r["event_id_cnty"] for r in rows]


@pytest.mark.parametrize("needle", ["islamic state", "ISIS", "civilians (", "forces of", "%", "_", "no such actor"])
def test_api_actor_filter_rare_and_common_paths(client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                                needle: str) -> None:
    everything = events(client, fields="all", status="all")
    expected = [r["event_id_cnty"] for r in everything
                if any(needle.lower() in r[c].lower() for c in ACTOR_COLUMNS)]  # % and _ are literal
    for rare_below in (10**9, 0):  # through event_actors; tested on each row of the newest-first walk
        monkeypatch.setattr(queries, "RARE_ACTOR_ROWS", rare_below)
        assert ids(events(client, actor=needle, status="all")) == expected
        page = client.get("/api/events", params={"actor": needle, "limit": 3}).json()
        assert ids(page["data"]) == [i for i in expected if i in set(ids(events(client)))][:3]


@pytest.mark.parametrize("params", [{"bbox": "35.9,33.2,36.7,33.8"}, {"bbox": "36.6,35.8,36.7,35.9"},
                                    {"fatalities": 10}, {"fatalities": 1, "iso": 760},
                                    {"fatalities": 2, "bbox": "35,32,43,38", "status": "all"}])
def test_api_box_and_fatalities_walk_or_index(client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                              params: dict) -> None:
    everything = events(client, fields="all", status=params.get("status", "event"))
    west, south, east, north = (float(v) for v in params.get("bbox", "-180,-90,180,90").split(","))
    expected = [r["event_id_cnty"] for r in everything if r["fatalities"] >= params.get("fatalities", 0)
                and r["iso"] == params.get("iso", r["iso"]) and r["latitude"] is not None
                and west <= r["longitude"] <= east and south <= r["latitude"] <= north]
    if "bbox" not in params:
        expected = [r["event_id_cnty"] for r in everything if r["fatalities"] >= params["fatalities"]
                    and r["iso"] == params.get("iso", r["iso"])]
    for walk_vs_fetch in (0, 10**9):  # SQLite: fetch through the predicate's index; walk newest first
        monkeypatch.setattr(queries, "WALK_VS_FETCH", walk_vs_fetch)
        assert ids(events(client, **params)) == expected


def follow(client: TestClient, params: dict) -> tuple[list[str], int]:
    """Every page through next_cursor (and the next link); the ids and how many pages."""
    body = client.get("/api/events", params=params).json()
    seen, pages = ids(body["data"]), 1
    while body["has_more"]:
        assert body["next"].startswith("/api/events?") and "page=" not in body["next"]
        via_link = client.get(body["next"]).json()
        body = client.get("/api/events", params={**params, "cursor": body["next_cursor"]}).json()
        assert via_link["data"] == body["data"]
        seen += ids(body["data"])
        pages += 1
    assert body["next_cursor"] is None and body["next"] is None
    return seen, pages


@pytest.mark.parametrize("params", [{}, {"status": "all"}, {"status": "candidate"}, {"admin1": "Idleb"},
                                    {"timestamp": "2000-01-01", "status": "all"}, {"actor": "state"}])
def test_api_cursor_paging_equals_one_long_page(client: TestClient, params: dict) -> None:
    whole = ids(events(client, **params))
    seen, pages = follow(client, {**params, "limit": 7})
    assert seen == whole and len(set(seen)) == len(seen)
    assert pages == max(1, -(-len(whole) // 7))


def test_api_cursor_errors_and_formats(client: TestClient) -> None:
    first = client.get("/api/events", params={"limit": 5}).json()
    cursor = first["next_cursor"]
    assert error(client, "/api/events", cursor=cursor, page=2)["parameter"] == "cursor"
    assert error(client, "/api/events", cursor="bm90IGEgY3Vyc29y")["parameter"] == "cursor"
    assert error(client, "/api/events", cursor="%%%")["parameter"] == "cursor"
    assert error(client, "/api/events", cursor=cursor, timestamp=0)["parameter"] == "cursor"  # another order
    second = client.get("/api/events", params={"limit": 5, "cursor": cursor}).json()
    assert second["page"] == 1 and ids(second["data"]) == ids(events(client))[5:10]
    csv_page = client.get("/api/events", params={"limit": 5, "format": "csv"})
    assert csv_page.headers["x-next-cursor"] == cursor and 'rel="next"' in csv_page.headers["link"]
    geo = client.get("/api/events", params={"limit": 5, "format": "geojson", "cursor": cursor, "fields": "fatalities"})
    assert [f["id"] for f in geo.json()["features"]] == ids(second["data"])
    assert all(list(f["properties"]) == ["fatalities"] for f in geo.json()["features"])


def test_api_csv_page_equals_the_export_writer(client: TestClient) -> None:
    from rasd.store.export import write_csv

    for fields in ("all", None):
        params = {"limit": 40, "status": "all", **({"fields": fields} if fields else {})}
        page = client.get("/api/events", params={**params, "format": "csv"}).text
        wanted = ids(events(client, **{**params, "limit": 40}))
        records = [client.get(f"/api/events/{i}").json()["data"] for i in wanted]
        out = io.StringIO()
        write_csv([Event.model_validate(r) for r in records], out, COLUMNS if fields == "all" else DEFAULT_FIELDS)
        assert page == out.getvalue()


@pytest.mark.parametrize("params", [{}, {"status": "all"}, {"status": "candidate"}, {"country": "Syria"},
                                    {"iso": 368}, {"admin1": "Aleppo"}, {"event_type": "Battles"},
                                    {"sub_event_type": "Air/drone strike", "status": "all"},
                                    {"event_date_from": "2015-07-03", "event_date_to": "2015-07-19"},
                                    {"event_date_from": "2015-06-15", "event_type": "Battles", "admin1": "Idleb"},
                                    {"actor": "islamic state"}, {"fatalities": 3}, {"bbox": "35,32,39,37"}])
def test_api_stats_from_summaries_equal_stats_from_events(client: TestClient, params: dict) -> None:
    from rasd.serve.api import build_query

    served = client.get("/api/stats", params=params).json()["data"]
    store = client.app.state.store
    counted = queries.event_stats(store, build_query(**{k: v for k, v in params.items()}), use_summary=False)
    assert served == counted
