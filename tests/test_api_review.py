"""Review writes through HTTP: token required, and every write goes through the living dataset
(same id, new timestamp, audit log entry, deletions published); on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from rasd.serve.api import create_app
from tests.api_fixtures import fill_store
from tests.conftest import GAZETTEER_TSV, STORE_BACKENDS, fresh_database_url, needs_shared

pytestmark = needs_shared
TOKEN = "review-token-456"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module", params=STORE_BACKENDS)
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, full_extractor):  # type: ignore[no-untyped-def]
    url = fresh_database_url(request.param, tmp_path_factory.mktemp("review"))
    store = fill_store(url, full_extractor, n=40)
    with TestClient(create_app(store, token=TOKEN, gazetteer=str(GAZETTEER_TSV))) as c:
        yield c
    store.close()


def first(client: TestClient, **params: object) -> dict:
    rows = client.get("/api/events", params={"fields": "all", "limit": 1, **params}).json()["data"]
    assert rows, params
    return rows[0]


@pytest.mark.parametrize("method,suffix,body", [
    ("post", "/confirm", None), ("post", "/reject", None), ("patch", "", {"changes": {"fatalities": 1}}),
    ("post", "/place", {"place_id": "x"}),
])
def test_review_writes_need_the_token(client: TestClient, method: str, suffix: str, body: dict | None) -> None:
    event = first(client)
    path = f"/api/events/{event['event_id_cnty']}{suffix}"
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"X-Rasd-Token": "wrong"}, {"Authorization": TOKEN}):
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == 401, response.text
        assert response.json()["error"]["message"]
    after = client.get(f"/api/events/{event['event_id_cnty']}").json()["data"]
    assert after["timestamp"] == event["timestamp"]  # nothing written


def test_review_disabled_without_a_configured_token(client: TestClient) -> None:
    store = client.app.state.store
    with TestClient(create_app(store, token="")) as other:
        event = first(other)
        response = other.post(f"/api/events/{event['event_id_cnty']}/confirm", headers={"Authorization": "Bearer "})
        assert response.status_code == 401 and "disabled" in response.json()["error"]["message"]


def test_review_edit_keeps_id_new_timestamp_audited(client: TestClient) -> None:
    event = first(client)
    eid = event["event_id_cnty"]
    response = client.patch(f"/api/events/{eid}", headers=AUTH,
                            json={"changes": {"fatalities": event["fatalities"] + 2, "notes": "checked by hand",
                                              "sub_event_type": "Armed clash"}, "analyst": "lina"})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["event_id_cnty"] == eid and data["timestamp"] > event["timestamp"]
    assert data["fatalities"] == event["fatalities"] + 2 and data["event_type"] == "Battles"
    detail = client.get(f"/api/events/{eid}").json()
    last = detail["history"][-1]
    assert last["action"] == "edit" and last["detail"]["analyst"] == "lina"
    assert last["detail"]["before"]["fatalities"] == event["fatalities"]
    assert last["detail"]["after"]["fatalities"] == event["fatalities"] + 2
    # incremental sync sees it
    synced = client.get("/api/events", params={"timestamp": data["timestamp"], "limit": 5000}).json()["data"]
    assert eid in {r["event_id_cnty"] for r in synced}


def test_review_edit_errors(client: TestClient) -> None:
    eid = first(client)["event_id_cnty"]
    cases = [({"changes": {"fatalities": -3}}, 422), ({"changes": {"sub_event_type": "Picnic"}}, 422),
             ({"changes": {"event_id_cnty": "SYR1"}}, 422), ({"changes": {}}, 422), ({"fatalities": 3}, 422)]
    for body, status in cases:
        response = client.patch(f"/api/events/{eid}", headers=AUTH, json=body)
        assert response.status_code == status, (body, response.text)
        assert response.json()["error"]["message"]
    response = client.patch("/api/events/SYR999999", headers=AUTH, json={"changes": {"fatalities": 1}})
    assert response.status_code == 404
    response = client.patch(f"/api/events/{eid}", headers={**AUTH, "Content-Type": "application/json"},
                            content=b"{not json")
    assert response.status_code == 422


def test_review_reject_is_a_published_deletion(client: TestClient) -> None:
    eid = first(client)["event_id_cnty"]
    response = client.post(f"/api/events/{eid}/reject", headers=AUTH, json={"note": "not an event"})
    assert response.status_code == 200, response.text
    assert client.get(f"/api/events/{eid}").status_code == 404
    deleted = client.get("/api/deleted").json()["data"]
    row = next(d for d in deleted if d["event_id_cnty"] == eid)
    assert "rejected" in row["reason"] and row["merged_into"] == ""
    assert client.post(f"/api/events/{eid}/reject", headers=AUTH).status_code == 404


def test_review_place_candidate_then_confirm(client: TestClient) -> None:
    candidates = client.get("/api/events", params={"status": "candidate", "fields": "all", "limit": 5000}).json()["data"]
    unlocated = next(c for c in candidates if c["reason"] == "unlocated" and c["event_date"])
    eid = unlocated["event_id_cnty"]
    # confirming an unlocated candidate is refused: it must be placed first
    response = client.post(f"/api/events/{eid}/confirm", headers=AUTH)
    assert response.status_code == 409 and "place" in response.json()["error"]["message"]
    place = client.get("/api/gazetteer", params={"q": "أريحا"}).json()["data"][0]
    bad = client.post(f"/api/events/{eid}/place", headers=AUTH, json={"place_id": "no-such-place"})
    assert bad.status_code == 422 and bad.json()["error"]["parameter"] == "place_id"
    response = client.post(f"/api/events/{eid}/place", headers=AUTH, json={"place_id": place["place_id"]})
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["event_id_cnty"] == eid and data["status"] == "event" and data["latitude"] == place["latitude"]
    assert data["place_id"] == place["place_id"] and data["location"] == place["name"]
    assert eid in {r["event_id_cnty"] for r in client.get("/api/events", params={"limit": 5000}).json()["data"]}
    detail = client.get(f"/api/events/{eid}").json()
    assert detail["candidate"]["resolved_at"] and detail["history"][-1]["action"] == "place"
    response = client.post(f"/api/events/{eid}/confirm", headers=AUTH, json={"analyst": "omar"})
    assert response.status_code == 200 and response.json()["data"]["timestamp"] > data["timestamp"]
    assert client.get(f"/api/events/{eid}").json()["history"][-1]["action"] == "confirm"


def test_review_fatalities_edit_sets_low_best_high(client: TestClient) -> None:
    event = first(client, fields="all")
    value = event["fatalities"] + 4
    data = client.patch(f"/api/events/{event['event_id_cnty']}", headers=AUTH,
                        json={"changes": {"fatalities": value}}).json()["data"]
    assert (data["fatalities"], data["fatalities_low"], data["fatalities_best"], data["fatalities_high"]) == (value,) * 4
    stored = client.get(f"/api/events/{event['event_id_cnty']}").json()
    assert stored["data"]["fatalities_high"] == value
    assert stored["history"][-1]["detail"]["after"]["fatalities_best"] == value


def test_review_writes_update_the_statistics_at_once(client: TestClient) -> None:
    """/api/stats is read from summary tables the writes keep: right after an edit or a rejection
    it says what a count over the events says."""
    from rasd.store import queries

    store = client.app.state.store

    def stats() -> dict:
        served = client.get("/api/stats").json()["data"]
        assert served == queries.event_stats(store, queries.EventQuery(), use_summary=False)
        return served

    before = stats()
    event = first(client, fields="all")
    eid = event["event_id_cnty"]
    client.patch(f"/api/events/{eid}", headers=AUTH, json={"changes": {"fatalities": event["fatalities"] + 6}})
    edited = stats()
    assert edited["total"] == {"events": before["total"]["events"],
                               "fatalities": before["total"]["fatalities"] + 6}
    client.post(f"/api/events/{eid}/reject", headers=AUTH)
    rejected = stats()
    assert rejected["total"]["events"] == before["total"]["events"] - 1
    governorate = {a["name"]: a["events"] for a in rejected["by_admin1"]}
    assert governorate.get(event["admin1"], 0) == {a["name"]: a["events"] for a in before["by_admin1"]}[event["admin1"]] - 1
