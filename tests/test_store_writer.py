"""The batch writer (``rasd.store.writer``): reading the database once per batch instead of once
per article and per event must change nothing that is stored.

- On a sample of the development corpus (real extraction, full gazetteer), the database is the
  same row for row, autoincrement ids included, whatever the batch size: one article per
  transaction, small batches, or the whole sample in one;
- and it equals a reference that applies the rule (``matches_incident``, ``merge_events``) event
  by event against every stored event, with no index, window or batch at all;
- reports of one batch merge with each other, also when a report bridges two events of the batch;
- each time precision is read within its own date window, stored or in the same batch;
- two ingests of the same articles at the same time take turns: nothing duplicated, nothing lost;
- the tables derived from the events (summaries, actor index: ``rasd.store.derived``), which the
  writer's Core statements must keep itself, equal a recount from the events after every batch;
- every candidate reason of the extractor is stored as a candidate awaiting review.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest

from rasd.extraction import Outcome
from rasd.schema import Article, Event
from rasd.store import EventFilter, Store
from rasd.store.dedupe import (
    as_report, attach_source, attachable, coded_fields_agree, incidents_may_join, matches_incident, merge_events,
    one_report_per_article, same_incident,
)
from rasd.store.repository import Incoming, IngestCounts
from rasd.store.writer import _reported, _row_values, _sequence_number, iso3_of
from tests.conftest import CORPUS, STORE_BACKENDS, fresh_database_url, needs_shared
from tests.store_cli import dump
from tests.store_factories import DAY, databases_by_batch_size, make_article, make_event, stub_extractor
from tests.test_summary import assert_derived_match

SAMPLE = 400
TIME_COLUMNS = ("ingested_at", "timestamp", "created_at", "added_at", "first_seen", "deleted_at", "at")


@pytest.fixture(scope="module")
def corpus_sample(full_extractor) -> tuple[list[Incoming], dict[str, Outcome]]:  # type: ignore[no-untyped-def]
    """The first SAMPLE corpus articles and, once, their extracted events."""
    with CORPUS.open(encoding="utf-8") as handle:
        records = [json.loads(line) for _, line in zip(range(SAMPLE), handle)]
    items = [Incoming(Article.model_validate(r), origin=f"corpus:{r['id']}") for r in records]
    return items, {item.article.id: full_extractor.run(item.article).events for item in items}


def _replay(outcomes: dict[str, Outcome]):  # type: ignore[no-untyped-def]
    return lambda article: outcomes[article.id]


@needs_shared
@pytest.mark.parametrize("backend", STORE_BACKENDS)
def test_store_writer_batch_size_changes_nothing(backend: str, tmp_path: Path, corpus_sample) -> None:  # type: ignore[no-untyped-def]
    items, outcomes = corpus_sample
    dumps, summaries = {}, set()
    for batch_size in (1, 7, 50, SAMPLE):
        folder = tmp_path / f"batch{batch_size}"
        folder.mkdir()
        url = fresh_database_url(backend, folder)
        store = Store.open(url)
        summaries.add(store.ingest(items, _replay(outcomes), batch_size=batch_size).summary())
        assert_derived_match(store)  # inserted, merged and withdrawn events all counted, in every batch size
        store.close()
        dumps[batch_size] = dump(url, ignore=TIME_COLUMNS)
    assert len(summaries) == 1
    for batch_size in (7, 50, SAMPLE):
        assert dumps[batch_size] == dumps[1], f"batch size {batch_size} stored another database than batch size 1"
    # The sample exercises what the batch writer must get right: merges, and stored events merged away.
    assert len(dumps[1]["deletions"]) > 10 and sum(row[1] == "merge" for row in dumps[1]["audit_log"]) > 100


def _reference(items: list[Incoming], outcomes: dict[str, Outcome]) -> tuple[dict[str, Event], dict[str, int],
                                                                              list[tuple[str, str]]]:
    """The dedupe rule applied event by event, every report compared with every stored event:
    the stored records by id, their report counts, and the (withdrawn id, kept id) deletions. A
    stored event is a candidate when its merged record agrees on the coded fields
    (``coded_fields_agree``, the writer's window) and matches when the report is one incident with
    the record or any of its reports (``matches_incident``). A re-telling (``attachable``
    candidate) of a stored event is one more source of the oldest. A report matching several joins
    them only as ``incidents_may_join`` allows; a stored event takes one report per article unless
    ``one_report_per_article`` says otherwise."""
    stored: dict[str, Event] = {}
    reports: dict[str, int] = {}
    report_of: dict[tuple[str, int], str] = {}  # (article id, event index) -> the event it is a report of
    counters: dict[str, int] = {}
    deletions: list[tuple[str, str]] = []
    members: dict[str, list[Event]] = {}  # event id -> its reports of status "event", as coded

    def matches(record_id: str, event: Event) -> bool:
        record = stored[record_id]
        return coded_fields_agree(record, event).same and matches_incident(record, members[record_id], event).same

    for item in items:
        article_id = item.article.id
        for index, event in enumerate(outcomes[article_id]):  # type: ignore[arg-type]
            own = {report_of[(article_id, i)] for i in range(index)} if one_report_per_article(event) else set()
            if attachable(event):
                targets = sorted((event_id for event_id in stored if event_id not in own
                                  and matches(event_id, as_report(event))), key=_sequence_number)
                if targets:
                    stored[targets[0]] = attach_source(stored[targets[0]], event, 0)
                    reports[targets[0]] += 1
                    report_of[(article_id, index)] = targets[0]
                    continue
            found = sorted((event_id for event_id in stored if event_id not in own and matches(event_id, event)),
                           key=_sequence_number) if event.status == "event" else []
            if not found:
                iso3 = iso3_of(event)
                counters[iso3] = counters.get(iso3, 0) + 1
                event_id = f"{iso3}{counters[iso3]}"
                stored[event_id], reports[event_id] = event.model_copy(update={"event_id_cnty": event_id}), 1
                members[event_id] = [event] if event.status == "event" else []
                report_of[(article_id, index)] = event_id
                continue
            kept, *others = found
            others = [other for other in others
                      if incidents_may_join(stored[kept], members[kept], stored[other], members[other])]
            merged, reports[kept] = merge_events(stored[kept], event, 0), reports[kept] + 1
            members[kept].append(event)
            for other in others:
                merged, reports[kept] = merge_events(merged, stored.pop(other), 0), reports[kept] + reports.pop(other)
                members[kept].extend(members.pop(other))
                report_of = {key: kept if value == other else value for key, value in report_of.items()}
                deletions.append((other, kept))
            stored[kept] = merged
            report_of[(article_id, index)] = kept
    return stored, reports, deletions


@needs_shared
def test_store_writer_equals_the_rule_applied_event_by_event(tmp_path: Path, corpus_sample) -> None:  # type: ignore[no-untyped-def]
    items, outcomes = corpus_sample
    store = Store.open(f"sqlite:///{tmp_path / 'rasd.db'}")
    store.ingest(items, _replay(outcomes), batch_size=50)
    expected, reports, deletions = _reference(items, outcomes)
    got = {event.event_id_cnty: event for event in store.events(EventFilter(include_candidates=True))}
    assert sorted(got) == sorted(expected)
    ignore = {"timestamp"}
    for event_id, event in got.items():
        assert event.model_dump(exclude=ignore) == expected[event_id].model_dump(exclude=ignore), event_id
    with store.engine.connect() as connection:
        from sqlalchemy import text

        counts = dict(connection.execute(text("SELECT event_id_cnty, report_count FROM events")).all())
        withdrawn = connection.execute(text("SELECT event_id_cnty, merged_into FROM deletions ORDER BY id")).all()
    store.close()
    assert counts == reports
    assert [tuple(row) for row in withdrawn] == deletions and deletions


@pytest.mark.parametrize("backend", STORE_BACKENDS)
def test_store_writer_reports_of_one_batch_merge_as_across_batches(backend: str, tmp_path: Path) -> None:
    # "Near" a town: the 10 km radius applies. West and east are one incident by the rule but two
    # records of one article (kept apart); middle, of another article, bridges them (``may_join``).
    west = make_event(latitude=35.80, longitude=36.50, admin2="A", location="West", geo_precision=2)
    east = make_event(latitude=35.80, longitude=36.55, admin2="B", location="East", geo_precision=2)
    middle = make_event(latitude=35.80, longitude=36.53, admin2="C", location="Middle", geo_precision=2)
    again = make_event(event_date=DAY + dt.timedelta(days=1), latitude=35.80, longitude=36.53, admin2="C",
                       location="Middle", geo_precision=2, source="SANA")
    extract = stub_extractor({"a1": [west, east], "a3": [middle], "a4": [again]})
    articles = [make_article(f"a{i}") for i in (1, 3, 4)]
    dumps = []
    for batch_size, url in databases_by_batch_size(backend, tmp_path):
        store = Store.open(url)
        counts = store.ingest(articles, extract, batch_size=batch_size)
        assert (counts.events_new, counts.events_merged, counts.stored_merged) == (2, 2, 1)
        assert [e.event_id_cnty for e in store.events()] == ["SYR1"]
        assert [(d.event_id_cnty, d.merged_into) for d in store.deletions()] == [("SYR2", "SYR1")]
        # batch size 1: a stored event merged away; 4: one inserted and merged away in one batch
        assert_derived_match(store)
        store.close()
        dumps.append(dump(url, ignore=TIME_COLUMNS))
    assert dumps[0] == dumps[1]
    # Every report now points at the surviving event, including the one of the event merged away.
    assert {row[1] for row in dumps[1]["event_sources"]} == {"SYR1"}
    assert [row[0] for row in dumps[1]["events"]] == ["SYR1"] and dumps[1]["events"][0][-1] == "4"


@pytest.mark.parametrize(("stored_precision", "days", "merged"), [
    (None, 1, True), (1, 1, True), (1, 2, False), (2, 4, True), (2, 5, False), (3, 16, True), (3, 17, False),
])
@pytest.mark.parametrize("one_batch", [False, True])
def test_store_writer_reads_each_time_precision_within_its_window(tmp_path: Path, stored_precision: int | None,
                                                                   days: int, merged: bool, one_batch: bool) -> None:
    first = make_event(time_precision=stored_precision, event_date=DAY + dt.timedelta(days=days))
    assert _merges(tmp_path, first, make_event(time_precision=1), one_batch) == (1 if merged else 0)


def _merges(tmp_path: Path, first: Event, second: Event, one_batch: bool) -> int:
    """Merges when two articles reporting ``first`` then ``second`` are ingested in one batch or two."""
    store = Store.open(f"sqlite:///{tmp_path / 'rasd.db'}")
    extract = stub_extractor({"a1": [first], "a2": [second]})
    articles = [make_article("a1"), make_article("a2")]
    if one_batch:
        counts = store.ingest(articles, extract)
    else:
        counts = IngestCounts()
        for article in articles:
            counts.add(store.ingest([article], extract))
    store.close()
    return counts.events_merged


CHEMICAL = dict(event_type="Explosions/Remote violence", sub_event_type="Chemical weapon")
ATTACK = dict(event_type="Violence against civilians", sub_event_type="Attack", disorder_type="Political violence")


@pytest.mark.parametrize(("first_type", "days", "merged"), [
    (CHEMICAL, 16, True), (CHEMICAL, 17, False), (ATTACK, 1, True), (ATTACK, 2, False),
])
@pytest.mark.parametrize("one_batch", [False, True])
def test_store_writer_reads_chemical_attacks_within_the_widest_window(tmp_path: Path, first_type: dict, days: int,
                                                                      merged: bool, one_batch: bool) -> None:
    """Two day-dated reports of a chemical attack take the widest window (dedupe.window_days); a
    chemical attack and an Attack report (one act by SAME_ACT_TYPES) keep the day's window."""
    first = make_event(event_date=DAY + dt.timedelta(days=days), actor2="", inter2="", **first_type)
    second = make_event(actor2="", inter2="", **CHEMICAL)
    assert _merges(tmp_path, first, second, one_batch) == (1 if merged else 0)
    assert same_incident(first, second).same is merged  # the window reads what the rule decides


@pytest.mark.parametrize("backend", STORE_BACKENDS)
def test_store_writer_concurrent_ingests_take_turns(backend: str, tmp_path: Path) -> None:
    """Two runs of the same articles at once: each batch is written by one of them, so every
    article is stored once and every report once (the other run finds them all duplicates)."""
    url = fresh_database_url(backend, tmp_path)
    Store.open(url).close()  # migrated once, before the two runs start
    articles = [make_article(f"a{i}") for i in range(40)]
    # Ten incidents (dates 3 days apart), each reported by four articles.
    events = {f"a{i}": [make_event(event_date=DAY + dt.timedelta(days=3 * (i // 4)))] for i in range(40)}
    results: list[IngestCounts | BaseException] = []

    def run() -> None:
        store = Store.open(url, migrate=False)
        try:
            results.append(store.ingest(articles, stub_extractor(events), batch_size=3))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(isinstance(r, IngestCounts) for r in results), results
    assert sum(r.new for r in results) == 40 and sum(r.duplicate for r in results) == 40  # type: ignore[union-attr]
    store = Store.open(url, migrate=False)
    tables = store.counts()
    store.close()
    assert (tables["articles"], tables["event_sources"], tables["events"]) == (40, 40, 10)


@pytest.mark.parametrize("backend", STORE_BACKENDS)
def test_store_writer_keeps_derived_tables_through_merges_and_reviews(backend: str, tmp_path: Path) -> None:
    """Batches that insert, merge into stored events (changing the date, place, actors and toll
    they are counted under) and withdraw them, between reviews through the ORM session: after
    each, the summary tables and the actor index equal a recount from the events."""
    from rasd.store import review

    store = Store.open(fresh_database_url(backend, tmp_path))
    first = {"a1": [make_event(time_precision=2, actor2="", fatalities=1, fatalities_low=1, fatalities_best=1,
                               fatalities_high=1),
                    make_event(event_type="Explosions/Remote violence", sub_event_type="Air/drone strike",
                               admin1="Aleppo", event_date=DAY + dt.timedelta(days=40))],
             "a2": [make_event(status="candidate", reason="undated", event_date=None, year=None)]}
    store.ingest([make_article(a) for a in first], stub_extractor(first))
    assert_derived_match(store)
    review.edit(store, "SYR2", {"actor1": "Russia", "fatalities": 7})
    assert_derived_match(store)
    # merged into SYR1: a precise day, named second actor and a higher toll move it in every summary
    second = {"a3": [make_event(event_date=DAY + dt.timedelta(days=2), actor2="Hayat Tahrir al-Sham",
                                assoc_actor_1="Tribal Group (Syria)", fatalities=5, fatalities_low=5,
                                fatalities_best=5, fatalities_high=5, source="SANA")],
              "a4": [make_event(event_type="Explosions/Remote violence", sub_event_type="Air/drone strike",
                                admin1="Aleppo", actor1="Russia", event_date=DAY + dt.timedelta(days=40))]}
    counts = store.ingest([make_article(a) for a in second], stub_extractor(second), batch_size=2)
    assert counts.events_merged == 2
    assert_derived_match(store)
    review.reject(store, "SYR1")
    assert_derived_match(store)
    store.close()


@pytest.mark.parametrize("reason", ["unlocated", "undated", "abroad", "background", "aggregate", "summary"])
def test_store_writer_stores_every_candidate_reason_for_review(tmp_path: Path, reason: str) -> None:
    from sqlalchemy import select

    from rasd.store.models import CandidateRow

    store = Store.open(f"sqlite:///{tmp_path / 'rasd.db'}")
    # a candidate like the one-day event it sits next to is never merged with it (a re-telling,
    # ``background``, of another day is queued too: tests/test_dedupe_store.py attaches one of the same day)
    other_day = {"event_date": DAY + dt.timedelta(days=30)} if reason == "background" else {}
    extract = stub_extractor({"a1": [make_event()], "a2": [make_event(status="candidate", reason=reason, **other_day)]})
    counts = store.ingest([make_article("a1"), make_article("a2")], extract)
    assert (counts.events_new, counts.candidates, counts.events_merged) == (1, 1, 0)
    with store.session() as s:
        queued = [(row.event_id_cnty, row.reason, row.resolved_at) for row in s.scalars(select(CandidateRow))]
    assert queued == [("SYR2", reason, None)]
    assert [(e.event_id_cnty, e.reason) for e in store.events(EventFilter(include_candidates=True))
            if e.status == "candidate"] == [("SYR2", reason)]
    assert_derived_match(store)
    store.close()


def test_ingest_collects_garbage_between_batches_and_restores_the_setting(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """While it ingests, the writer turns automatic collection off and collects every
    COLLECT_EVERY_ARTICLES articles (docs/SCALING.md); cyclic garbage made during the run is
    collected then, and the process is left as it was found, also when the run fails."""
    import gc

    from rasd.store import repository

    class Cycle:
        def __init__(self) -> None:
            self.me = self

    seen: list[bool] = []

    def extract(article: Article) -> list[Event]:
        seen.append(gc.isenabled())
        for _ in range(100):
            Cycle()  # unreachable at once, freed only by a collection
        return []

    assert gc.isenabled()
    store = Store.open(f"sqlite:///{tmp_path / 'gc.db'}")
    collector = repository._Collector(every=10)
    with collector.running():
        assert not gc.isenabled()
        for _ in range(3):
            extract(make_article("x").article)
        collector.after_batch(9)
        assert sum(1 for o in gc.get_objects() if isinstance(o, Cycle)) == 300  # not yet
        collector.after_batch(1)
        assert not any(isinstance(o, Cycle) for o in gc.get_objects())  # collected at 10 articles
    assert gc.isenabled() and gc.get_freeze_count() == 0
    store.ingest([make_article(f"a{i}") for i in range(5)], extract, batch_size=2)
    assert seen[3:] == [False] * 5 and gc.isenabled() and gc.get_freeze_count() == 0
    try:
        with repository._Collector().running():
            raise RuntimeError("a failing batch")
    except RuntimeError:
        pass
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        store.ingest([make_article("b")], extract)
        assert not gc.isenabled()  # a caller that turned collection off keeps it off
    finally:
        gc.enable()
    store.close()


@needs_shared
def test_store_writer_reported_form_is_the_events_json_form(corpus_sample) -> None:  # type: ignore[no-untyped-def]
    """An event source's ``reported`` is built from the row values (one serialisation per event);
    it must be exactly ``Event.to_json_dict`` without id and timestamp, keys in the same order."""
    _, outcomes = corpus_sample
    events = [event for outcome in outcomes.values() if isinstance(outcome, list) for event in outcome]
    assert len(events) > 50 and any(e.event_date is not None for e in events) and any(e.evidence for e in events)
    for event in events:
        expected = {k: v for k, v in event.to_json_dict().items() if k not in ("event_id_cnty", "timestamp")}
        reported = _reported(_row_values(event))
        assert list(reported) == list(expected) and json.dumps(reported) == json.dumps(expected)
