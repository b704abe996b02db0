"""What the store does with the merge rule's two additions of session 3 (rasd.store.dedupe), on both
backends and whatever the batch size: a re-telling of a stored event (``background`` candidate) is
attached to it as one more source, and a chemical attack one outlet codes as an Attack merges with
the Chemical weapon record of another."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from rasd.store import EventFilter, Store
from rasd.store.dedupe import matching_types, merge_events, same_incident, store_decision
from rasd.store.models import AuditRow, CandidateRow, EventRow, EventSourceRow
from tests.conftest import STORE_BACKENDS, fresh_database_url
from tests.store_cli import dump
from tests.store_factories import DAY, databases_by_batch_size, make_article, make_event, stub_extractor
from tests.test_summary import assert_derived_match

TIME_COLUMNS = ("ingested_at", "timestamp", "created_at", "added_at", "first_seen", "deleted_at", "at")
CHEMICAL = dict(event_type="Explosions/Remote violence", sub_event_type="Chemical weapon", actor2="Civilians (Syria)",
                inter2="Civilians", location="Douma", admin1="Rural Damascus", admin2="Duma", latitude=33.5711,
                longitude=36.4026)
ATTACK = {**CHEMICAL, "event_type": "Violence against civilians", "sub_event_type": "Attack"}


def retold(**overrides: object):  # type: ignore[no-untyped-def]
    """A later article's re-telling of the event of ``make_event``: a background candidate."""
    values: dict[str, object] = dict(status="candidate", reason="background", fatalities=40, fatalities_low=40,
                                     fatalities_best=40, fatalities_high=40)
    values.update(overrides)
    return make_event(**values)


def test_dedupe_store_decision_attaches_a_retelling_and_nothing_else() -> None:
    event = make_event()
    assert store_decision(retold(), event).reason == "attach: same town"
    assert store_decision(event, retold()).same  # either order
    assert store_decision(retold(), retold()).reason == "candidate"  # two candidates: nothing to attach to
    assert store_decision(make_event(status="candidate", reason="summary"), event).reason == "candidate"
    assert store_decision(retold(event_date=DAY + dt.timedelta(days=5)), event).reason == "date"  # the rule applies
    assert not store_decision(retold(latitude=None, longitude=None), event).same


def test_dedupe_chemical_weapon_and_attack_are_one_act() -> None:
    assert matching_types("Violence against civilians", "Attack")[1] == ("Explosions/Remote violence", "Chemical weapon")
    assert same_incident(make_event(**CHEMICAL), make_event(**ATTACK)).same
    assert same_incident(make_event(**ATTACK), make_event(**CHEMICAL)).same
    strike = {**CHEMICAL, "sub_event_type": "Air/drone strike"}
    assert same_incident(make_event(**strike), make_event(**ATTACK)).reason == "type"
    # the merged record takes ACLED's type for a chemical attack, whichever report came first
    merged = merge_events(make_event(**ATTACK), make_event(**CHEMICAL), 1)
    assert (merged.event_type, merged.sub_event_type) == ("Explosions/Remote violence", "Chemical weapon")
    kept = merge_events(make_event(**CHEMICAL), make_event(**ATTACK), 1)
    assert kept.sub_event_type == "Chemical weapon"


@pytest.mark.parametrize("backend", STORE_BACKENDS)
def test_dedupe_store_attaches_a_retelling_as_a_source(backend: str, tmp_path: Path) -> None:
    extract = stub_extractor({
        "a1": [make_event()],
        "a2": [make_event(source="SANA", event_date=DAY + dt.timedelta(days=1))],  # another report: merged
        # a year later, two re-tellings of it; the second article also re-tells another day's event
        "a3": [retold()],
        "a4": [retold(), retold(event_date=DAY + dt.timedelta(days=40))],
    })
    articles = [make_article("a1"), make_article("a2", source="SANA"), make_article("a3", source="BBC Arabic"),
                make_article("a4", source="France 24")]
    dumps = []
    for batch_size, url in databases_by_batch_size(backend, tmp_path):
        store = Store.open(url)
        counts = store.ingest(articles, extract, batch_size=batch_size)
        assert (counts.events_new, counts.events_merged, counts.events_attached, counts.candidates) == (1, 1, 2, 1)
        assert "2 attached" in counts.summary()
        (event,) = store.events()
        assert event.event_id_cnty == "SYR1"
        assert event.source == "Enab Baladi; SANA; BBC Arabic; France 24"
        # a re-telling says nothing new about the day: the coded fields are those of the reports
        assert (event.fatalities, event.event_date, event.status) == (2, DAY, "event")
        with store.session() as s:
            row = s.get(EventRow, "SYR1")
            assert row is not None and row.report_count == 4
            reports = s.execute(select(EventSourceRow.article_id, EventSourceRow.event_index, EventSourceRow.event_id_cnty)
                                .order_by(EventSourceRow.id)).all()
            assert [tuple(r) for r in reports] == [("a1", 0, "SYR1"), ("a2", 0, "SYR1"), ("a3", 0, "SYR1"),
                                                   ("a4", 0, "SYR1"), ("a4", 1, "SYR2")]
            attached = s.execute(select(AuditRow.article_id, AuditRow.detail).where(AuditRow.action == "attach")
                                 .order_by(AuditRow.id)).all()
            assert [a for a, _ in attached] == ["a3", "a4"]
            assert attached[0][1]["reason"] == "background" and attached[0][1]["changed"] == ["source"]
            # the re-telling of another day stays in the review queue
            assert [(c.event_id_cnty, c.reason) for c in s.scalars(select(CandidateRow))] == [("SYR2", "background")]
        assert store.deletions() == []
        assert_derived_match(store)
        store.close()
        dumps.append(dump(url, ignore=TIME_COLUMNS))
    assert dumps[0] == dumps[1]


@pytest.mark.parametrize("backend", STORE_BACKENDS)
def test_dedupe_store_attaches_to_the_oldest_and_never_to_its_own_article(backend: str, tmp_path: Path) -> None:
    near = dict(geo_precision=2, where_prec=2)
    west = make_event(latitude=35.80, longitude=36.50, admin2="A", location="West", **near)
    east = make_event(latitude=35.80, longitude=36.62, admin2="B", location="East", **near)
    middle = retold(latitude=35.80, longitude=36.56, admin2="C", location="Middle", **near)
    # a4 reports an event and re-tells it in one article: the extractor split them on purpose
    extract = stub_extractor({"a1": [west], "a2": [east], "a3": [middle],
                              "a4": [make_event(event_date=DAY + dt.timedelta(days=60)),
                                     retold(event_date=DAY + dt.timedelta(days=60))]})
    store = Store.open(fresh_database_url(backend, tmp_path))
    counts = store.ingest([make_article(f"a{i}") for i in range(1, 5)], extract)
    # a3 is the same incident as both West and East: attached to the oldest, it bridges nothing
    assert (counts.events_new, counts.events_attached, counts.stored_merged, counts.candidates) == (3, 1, 0, 1)
    assert store.deletions() == []
    with store.session() as s:
        assert [(r.event_id_cnty, r.report_count, r.status) for r in s.scalars(select(EventRow).order_by(EventRow.created_at, EventRow.event_id_cnty))] == [
            ("SYR1", 2, "event"), ("SYR2", 1, "event"), ("SYR3", 1, "event"), ("SYR4", 1, "candidate")]
    store.close()


@pytest.mark.parametrize("backend", STORE_BACKENDS)
def test_dedupe_store_retelling_before_the_report_stays_a_candidate(backend: str, tmp_path: Path) -> None:
    """The store attaches a re-telling to what is stored when it arrives; one read before the
    original report stays in the review queue (an analyst who confirms it merges the two)."""
    from rasd.store import review

    extract = stub_extractor({"a1": [retold()], "a2": [make_event()]})
    store = Store.open(fresh_database_url(backend, tmp_path))
    counts = store.ingest([make_article("a1"), make_article("a2")], extract)
    assert (counts.candidates, counts.events_new, counts.events_attached) == (1, 1, 0)
    confirmed = review.confirm(store, "SYR1", analyst="test")
    assert confirmed.event_id_cnty == "SYR1" and confirmed.status == "event"
    assert [e.event_id_cnty for e in store.events(EventFilter(include_candidates=True))] == ["SYR1"]
    assert [(d.event_id_cnty, d.merged_into) for d in store.deletions()] == [("SYR2", "SYR1")]
    assert_derived_match(store)
    store.close()


@pytest.mark.parametrize("backend", STORE_BACKENDS)
def test_dedupe_store_merges_a_chemical_attack_coded_as_an_attack(backend: str, tmp_path: Path) -> None:
    extract = stub_extractor({"a1": [make_event(**ATTACK)], "a2": [make_event(**CHEMICAL, source="SANA")],
                              "a3": [make_event(**{**CHEMICAL, "sub_event_type": "Air/drone strike"})]})
    store = Store.open(fresh_database_url(backend, tmp_path))
    counts = store.ingest([make_article(f"a{i}") for i in range(1, 4)], extract, batch_size=1)
    assert (counts.events_new, counts.events_merged) == (2, 1)
    events = {e.event_id_cnty: e for e in store.events()}
    assert (events["SYR1"].event_type, events["SYR1"].sub_event_type) == ("Explosions/Remote violence", "Chemical weapon")
    assert events["SYR2"].sub_event_type == "Air/drone strike"
    assert_derived_match(store)
    store.close()
