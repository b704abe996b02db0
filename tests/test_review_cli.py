"""``rasd review`` end to end: the real command in a subprocess on a store (SQLite and PostgreSQL)
holding a crafted review queue; every write goes through rasd.store.review as the API's do (same
ids, new timestamps, audit log, published deletions, dedupe when a candidate becomes an event)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from rasd.store import Store
from rasd.store.models import AuditRow, CandidateRow, DeletionRow, EventRow, EventSourceRow
from tests.conftest import GAZETTEER_TSV, needs_shared
from tests.store_cli import run_rasd
from tests.store_factories import make_article, make_event, stub_extractor

pytestmark = needs_shared
ARIHA = "wof:1293760771"  # the town of Ariha, Idleb (make_event's default place)
UNLOCATED = dict(status="candidate", reason="unlocated", latitude=None, longitude=None, location="", admin1="",
                 admin2="", geo_precision=None, where_prec=None, place_id="")


@pytest.fixture
def queue(db_url: str) -> str:
    """SYR1 an event at Ariha; candidates SYR2 (the same clash, unlocated), SYR3 (a protest at
    Ariha, undated), SYR4 (unlocated and undated), SYR5 (unlocated)."""
    store = Store.open(db_url)
    events = {
        "a1": [make_event()],
        "a2": [make_event(**UNLOCATED, fatalities=4, fatalities_low=4, fatalities_best=4, fatalities_high=4)],
        "a3": [make_event(status="candidate", reason="undated", event_date=None, year=None, time_precision=None,
                          event_type="Protests", sub_event_type="Peaceful protest", actor1="Protesters (Syria)",
                          actor2="", inter1="Protesters", inter2="")],
        "a4": [make_event(**UNLOCATED, event_date=None, year=None, time_precision=None,
                          event_type="Riots", sub_event_type="Violent demonstration", actor1="Rioters (Syria)",
                          actor2="", inter1="Rioters", inter2="")],
        "a5": [make_event(**UNLOCATED, event_type="Strategic developments", sub_event_type="Other", actor2="")],
    }
    store.ingest([make_article(name) for name in events], stub_extractor(events))
    store.close()
    return db_url


def review(db: str, *args: str, check: bool = True):  # type: ignore[no-untyped-def]
    return run_rasd("review", *args, "--db", db, check=check)


def rows(db: str, model, **where):  # type: ignore[no-untyped-def]
    store = Store.open(db)
    with store.session() as s:
        query = select(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        found = list(s.scalars(query))
    store.close()
    return found


def test_review_cli_list_the_queue_oldest_first(queue: str) -> None:
    table = review(queue, "list")
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["id", "reason", "date"]
    assert [line.split()[0] for line in lines[1:]] == ["SYR2", "SYR3", "SYR4", "SYR5"]
    assert table.stderr.strip() == "rasd: review: 4 of 4 candidates awaiting review"
    undated = [json.loads(line) for line in review(queue, "list", "--reason", "undated", "--json").stdout.splitlines()]
    assert [(c["event_id_cnty"], c["reason"], c["event_date"], c["location"]) for c in undated] == [
        ("SYR3", "undated", None, "Ariha")]
    assert review(queue, "list", "--limit", "2").stderr.strip() == "rasd: review: 2 of 4 candidates awaiting review"
    bad = review(queue, "list", "--reason", "summary", check=False)
    assert bad.returncode == 2 and "--reason must be unlocated or undated" in bad.stderr


def test_review_cli_placing_a_candidate_of_a_stored_incident_merges_it(queue: str) -> None:
    before = rows(queue, EventRow, event_id_cnty="SYR1")[0]
    placed = review(queue, "place", "SYR2", "--place", ARIHA, "--gazetteer", str(GAZETTEER_TSV), "--json",
                    "--analyst", "omar", "--note", "the clash near Ariha")
    record = json.loads(placed.stdout)
    # SYR2 is now placed and dated: the same clash as SYR1, so it merges into the older id
    assert record["event_id_cnty"] == "SYR1" and record["status"] == "event"
    assert "SYR2 placed at Ariha (wof:1293760771), then merged into SYR1" in placed.stderr
    assert record["fatalities"] == 2  # ACLED's conservative toll of the two reports (2 and 4)
    assert record["timestamp"] > before.timestamp
    assert rows(queue, EventRow, event_id_cnty="SYR2") == []
    (deletion,) = rows(queue, DeletionRow)
    assert (deletion.event_id_cnty, deletion.merged_into, deletion.reason) == ("SYR2", "SYR1", "duplicate: merged into SYR1")
    assert {r.article_id for r in rows(queue, EventSourceRow, event_id_cnty="SYR1")} == {"a1", "a2"}
    assert rows(queue, EventRow, event_id_cnty="SYR1")[0].report_count == 2
    actions = [(a.action, a.event_id_cnty) for a in sorted(rows(queue, AuditRow), key=lambda a: a.id)][-3:]
    assert actions == [("place", "SYR2"), ("delete", "SYR2"), ("merge", "SYR1")]
    merge = rows(queue, AuditRow, action="merge")[0]
    assert merge.detail["analyst"] == "omar" and merge.detail["promoted"] == "SYR2"
    assert rows(queue, AuditRow, action="place")[0].detail["note"] == "the clash near Ariha"
    # the withdrawn id is published for syncing clients, and the queue no longer lists it
    exported = run_rasd("export", "--db", queue, "--deletions", "--format", "jsonl").stdout
    assert json.loads(exported)["merged_into"] == "SYR1"
    assert "SYR2" not in review(queue, "list").stdout


def test_review_cli_place_by_name_date_confirm_and_reject(queue: str) -> None:
    gazetteer = ("--gazetteer", str(GAZETTEER_TSV))
    ambiguous = review(queue, "place", "SYR4", "--place", "أريحا", *gazetteer, check=False)
    assert ambiguous.returncode == 2 and "names 2 gazetteer entries" in ambiguous.stderr and ARIHA in ambiguous.stderr
    unknown = review(queue, "place", "SYR4", "--place", "no such town", *gazetteer, check=False)
    assert unknown.returncode == 2 and "no gazetteer entry named" in unknown.stderr
    # placed by an English name that means one entry, but still undated: it stays in the queue
    placed = review(queue, "place", "SYR4", "--place", "Saraqib", *gazetteer)
    assert placed.stdout.split("\t")[:2] == ["SYR4", "candidate"]
    assert "now candidate (undated)" in placed.stderr
    assert "SYR4" in review(queue, "list", "--reason", "undated").stdout
    # dated: it becomes an event, under its own id (no stored riot there)
    dated = review(queue, "date", "SYR4", "--date", "2021-03-09", "--analyst", "lina")
    assert dated.stdout.split("\t")[:3] == ["SYR4", "event", "2021-03-09"]
    (candidate,) = rows(queue, CandidateRow, event_id_cnty="SYR4")
    assert candidate.resolved_at is not None
    audit = [a for a in rows(queue, AuditRow, event_id_cnty="SYR4") if a.action in ("place", "date")]
    assert [(a.action, a.detail["analyst"]) for a in sorted(audit, key=lambda a: a.id)] == [
        ("place", "analyst"), ("date", "lina")]
    bad_date = review(queue, "date", "SYR3", "--date", "2021-02-30", check=False)
    assert bad_date.returncode == 2 and "--date must be YYYY-MM-DD" in bad_date.stderr
    # an unlocated candidate cannot be confirmed; it can be rejected, once
    refused = review(queue, "confirm", "SYR5", check=False)
    assert refused.returncode == 1 and "place it first" in refused.stderr
    rejected = review(queue, "reject", "SYR5", "--reason", "a statement, not an event")
    assert json.loads(rejected.stdout)["reason"] == "rejected by analyst: a statement, not an event"
    assert rows(queue, EventRow, event_id_cnty="SYR5") == []
    again = review(queue, "reject", "SYR5", "--reason", "again", check=False)
    assert again.returncode == 1 and "no event 'SYR5'" in again.stderr
    # confirming a stored event keeps its id and gives it a newer timestamp
    before = rows(queue, EventRow, event_id_cnty="SYR1")[0].timestamp
    confirmed = review(queue, "confirm", "SYR1", "--note", "checked")
    assert confirmed.stdout.startswith("SYR1\tevent") and rows(queue, EventRow, event_id_cnty="SYR1")[0].timestamp > before
    remaining = [line.split()[0] for line in review(queue, "list").stdout.splitlines()[1:]]
    assert remaining == ["SYR2", "SYR3"]
