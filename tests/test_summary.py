"""The tables derived from events (summaries for /api/stats, the actor index) on SQLite and
PostgreSQL: they equal a recount from the events after every kind of write, migration 0003 builds
them from an existing database exactly as the write hook would, and /api/stats read from them
equals /api/stats counted from the events."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import replace
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import insert, inspect, select

from rasd.store import Store, review
from rasd.store import db as dbmod
from rasd.store import derived, queries
from rasd.store.models import CandidateRow, CountrySequenceRow, EventRow, EventSourceRow
from rasd.store.queries import EventQuery
from rasd.store.summary import periods
from tests.conftest import fresh_database_url
from tests.store_factories import DAY, make_article, make_event, stub_extractor

DERIVED = (derived.SUMMARY_EVENTS, derived.SUMMARY_DAYS, derived.SUMMARY_ACTORS, derived.ACTOR_NAMES,
           derived.EVENT_ACTORS)


# -- periods: a date range as whole years, whole months and days ---------------------------------
def _covers(parts: list[tuple[str, dt.date | None, dt.date | None]], day: dt.date) -> int:
    """How many parts hold ``day`` (a part's rows are the periods from its first to its last)."""
    n = 0
    for grain, first, last in parts:
        start = derived.period_start(grain, day)
        n += (first is None or start >= first) and (last is None or start <= last)
    return n


@given(st.dates(dt.date(2019, 1, 1), dt.date(2024, 12, 31)), st.integers(0, 1500),
       st.sampled_from(["both", "from", "to"]))
def test_periods_hold_every_day_of_the_range_once(start: dt.date, length: int, bounds: str) -> None:
    end = start + dt.timedelta(days=length)
    date_from, date_to = (start if bounds != "to" else None), (end if bounds != "from" else None)
    parts = periods(date_from, date_to)
    assert all(grain in ("year", "month", "day") for grain, _, _ in parts)
    for offset in range(-40, length + 41, 3):
        day = start + dt.timedelta(days=offset)
        inside = (date_from is None or day >= date_from) and (date_to is None or day <= date_to)
        assert _covers(parts, day) == int(inside), (date_from, date_to, day, parts)


def test_periods_use_whole_years_and_months() -> None:
    assert periods(None, None) == [("all", None, None)]
    assert periods(dt.date(2023, 1, 1), dt.date(2023, 12, 31)) == [("year", dt.date(2023, 1, 1), dt.date(2023, 12, 31))]
    assert periods(dt.date(2022, 11, 17), dt.date(2024, 2, 9)) == [
        ("day", dt.date(2022, 11, 17), dt.date(2022, 11, 30)), ("day", dt.date(2024, 2, 1), dt.date(2024, 2, 9)),
        ("month", dt.date(2022, 12, 1), dt.date(2022, 12, 31)), ("month", dt.date(2024, 1, 1), dt.date(2024, 1, 31)),
        ("year", dt.date(2023, 1, 1), dt.date(2023, 12, 31))]


# -- the derived tables against a recount --------------------------------------------------------
def _table_rows(store: Store) -> dict[str, dict[tuple[Any, ...], tuple[int, ...]]]:
    out = {}
    with store.engine.connect() as connection:
        for table in DERIVED:
            keys = derived.primary_key(table)
            values = [c for c in ("events", "fatalities") if c in table.c]
            out[table.name] = {tuple(row[k] for k in keys): tuple(row[v] for v in values)
                               for row in connection.execute(select(table)).mappings()}
    return out


def _recount(store: Store) -> dict[str, dict[tuple[Any, ...], tuple[int, ...]]]:
    """What the derived tables must hold, counted from the events as they are."""
    deltas: derived.Deltas = defaultdict(dict)
    pairs = set()
    with store.engine.connect() as connection:
        for row in connection.execute(select(*(EventRow.__table__.c[f] for f in derived.FIELDS),
                                             EventRow.event_id_cnty)).mappings():
            derived.add_summary_rows(deltas, row, +1)
            pairs |= {(name, row["event_id_cnty"]) for name in derived.actor_names(row)}
    out: dict[str, dict[tuple[Any, ...], tuple[int, ...]]] = {
        table.name: {key: tuple(value) for key, value in deltas.get(table, {}).items() if value[0]}
        for table in DERIVED[:3]}
    names: dict[str, int] = defaultdict(int)
    for name, _ in pairs:
        names[name] += 1
    out["actor_names"] = {(name,): (n,) for name, n in names.items()}
    out["event_actors"] = {pair: () for pair in pairs}
    return out


STATS_QUERIES = [
    EventQuery(), EventQuery(status=None), EventQuery(status="candidate"), EventQuery(country="Syria"),
    EventQuery(iso=368), EventQuery(admin1="Idleb"), EventQuery(event_type="Battles"),
    EventQuery(sub_event_type="Air/drone strike", status=None),
    EventQuery(date_from=DAY - dt.timedelta(days=3), date_to=DAY + dt.timedelta(days=40)),
    EventQuery(date_from=dt.date(2021, 1, 1), date_to=dt.date(2021, 12, 31), admin1="Idleb", status=None),
    EventQuery(date_from=DAY, event_type="Battles", country="Syria"), EventQuery(date_to=DAY, status=None),
    EventQuery(actor="state"), EventQuery(fatalities_min=3, status=None),
]


def assert_derived_match(store: Store) -> None:
    assert _table_rows(store) == _recount(store)
    for q in STATS_QUERIES:
        assert queries.event_stats(store, q) == queries.event_stats(store, q, use_summary=False), q


def _events() -> dict[str, list]:  # type: ignore[type-arg]
    later = DAY + dt.timedelta(days=35)  # another month
    return {
        "a1": [make_event(fatalities=4, fatalities_low=4, fatalities_best=5, fatalities_high=6),
               make_event(sub_event_type="Air/drone strike", event_type="Explosions/Remote violence",
                          actor2="Islamic State (ISIS)", assoc_actor_2="Civilians (Syria); Women (Syria)",
                          admin1="Aleppo", event_date=later)],
        # the same incident as a1's first event (merged into it), with another toll
        "a2": [make_event(event_date=DAY + dt.timedelta(days=1), fatalities=2, fatalities_low=2, fatalities_best=2,
                          fatalities_high=3, source="SANA")],
        "a3": [make_event(status="candidate", reason="undated", event_date=None, year=None, actor1="Islamic State (ISIS)",
                          iso=368, country="Iraq", admin1="Ninewa", admin2="", location="Mosul", latitude=36.34,
                          longitude=43.13),
               make_event(status="candidate", reason="unlocated", latitude=None, longitude=None, admin1="", admin2="",
                          location="", geo_precision=None, event_date=dt.date(2020, 12, 30), actor2="")],
    }


def test_derived_tables_follow_ingest_merges_and_reviews(db_url: str) -> None:
    store = Store.open(db_url)
    events = _events()
    store.ingest([make_article(a) for a in events], stub_extractor(events))
    assert_derived_match(store)
    with store.session() as s:
        ids = {row.event_id_cnty: row for row in s.scalars(select(EventRow))}
    merged = next(i for i, row in ids.items() if row.report_count == 2)
    aleppo = next(i for i, row in ids.items() if row.admin1 == "Aleppo")
    undated = next(i for i, row in ids.items() if row.reason == "undated")
    # an edit that moves the event in every summary: date, place, type, actors, fatalities
    review.edit(store, aleppo, {"event_date": dt.date(2019, 2, 28), "admin1": "Hama", "sub_event_type": "Armed clash",
                                "actor1": "Hezbollah", "assoc_actor_2": "", "fatalities": 9})
    assert_derived_match(store)
    review.edit(store, merged, {"fatalities": 0, "actor2": "Islamic State (ISIS)"})
    assert_derived_match(store)
    review.edit(store, undated, {"event_date": dt.date(2021, 4, 1)})  # the undated gets a date
    review.confirm(store, undated)
    assert_derived_match(store)
    review.reject(store, merged)
    assert_derived_match(store)
    # a report merged into a stored event, and one that starts a new event
    more = {"a4": [make_event(event_date=dt.date(2019, 3, 1), admin1="Hama", sub_event_type="Armed clash",
                              actor1="Hezbollah", fatalities=1, fatalities_low=1, fatalities_best=1, fatalities_high=1)],
            "a5": [make_event(event_date=dt.date(2022, 6, 6), admin1="Homs", assoc_actor_1="Tribal Group (Syria)")]}
    store.ingest([make_article(a) for a in more], stub_extractor(more))
    assert_derived_match(store)
    with store.session() as s:
        assert sum(row.events for row in s.scalars(select(derived.ActorNameRow))) == \
            len(_recount(store)["event_actors"])
    store.close()


def test_fatalities_edit_sets_the_whole_range(db_url: str) -> None:
    store = Store.open(db_url)
    events = {"a1": [make_event(fatalities=3, fatalities_low=3, fatalities_best=5, fatalities_high=8)]}
    store.ingest([make_article("a1")], stub_extractor(events))
    for value in (12, 1, 0):
        event = review.edit(store, "SYR1", {"fatalities": value})
        assert (event.fatalities, event.fatalities_low, event.fatalities_best, event.fatalities_high) == (value,) * 4
    detail = queries.event_detail(store, "SYR1")
    assert detail is not None
    last = detail.history[-1]["detail"]
    assert last["before"] == {"fatalities": 1, "fatalities_low": 1, "fatalities_best": 1, "fatalities_high": 1}
    assert last["after"] == {"fatalities": 0, "fatalities_low": 0, "fatalities_best": 0, "fatalities_high": 0}
    assert "fatalities_high" in last["changed"]
    store.close()


# -- migrations 0003 and 0004 on an existing database ------------------------------------------
def test_migration_0003_upgrades_an_existing_store(db_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A store at revision 0002 with events upgrades, through 0003 and 0004, to the tables the
    writer would have built and the writer's dedupe index, and answers filtered pages and
    statistics; and later ingests into it keep the derived tables exact."""
    reference = Store.open(db_url)
    events = _events()
    reference.ingest([make_article(a) for a in events], stub_extractor(events))
    with reference.engine.connect() as connection:
        rows = [dict(r) for r in connection.execute(select(EventRow.__table__)).mappings()]
        counters = [dict(r) for r in connection.execute(select(CountrySequenceRow.__table__)).mappings()]
    (tmp_path / "old").mkdir()
    old_url = fresh_database_url(reference.backend, tmp_path / "old")
    engine = dbmod.make_engine(old_url)
    dbmod.upgrade(engine, "0002")
    with engine.begin() as connection:
        connection.execute(insert(EventRow.__table__), rows)  # Core: no hook, as a 0002 store holds them
        connection.execute(insert(CountrySequenceRow.__table__), counters)  # for the ingest below
    assert dbmod.current_revision(engine) == "0002"
    engine.dispose()
    upgraded = Store.open(old_url)
    assert dbmod.current_revision(upgraded.engine) == "0004"
    with upgraded.engine.connect() as connection:
        indexes = {ix["name"]: ix["column_names"] for ix in inspect(connection).get_indexes("events")}
    assert indexes["ix_events_dedupe"] == ["sub_event_type", "country", "status", "event_date", "time_precision"]
    assert indexes["ix_events_date_scan"][:2] == ["event_date", "event_id_cnty"] and "ix_events_date" not in indexes
    assert _table_rows(upgraded) == _table_rows(reference)
    for q in STATS_QUERIES:
        assert queries.event_stats(upgraded, q) == queries.event_stats(reference, q), q
    for q in (EventQuery(actor="women"), EventQuery(status=None), replace(EventQuery(), bbox=(36, 35, 37, 36.5))):
        assert queries.event_page(upgraded, q, ("event_id_cnty",), limit=50).rows == \
            queries.event_page(reference, q, ("event_id_cnty",), limit=50).rows
    assert [r["event_id_cnty"] for r in queries.event_page(upgraded, EventQuery(actor="WOMEN (syria)"),
                                                           ("event_id_cnty",), limit=9).rows] == ["SYR2"]
    # the batch writer on the upgraded store: a merge into a migrated event and a new one
    more = {"a9": [make_event(event_date=DAY + dt.timedelta(days=1), source="SANA")],
            "a10": [make_event(event_date=dt.date(2022, 6, 6), admin1="Homs")]}
    assert upgraded.ingest([make_article(a) for a in more], stub_extractor(more)).events_merged == 1
    assert_derived_match(upgraded)
    upgraded.close()
    reference.close()


def test_core_writers_keep_the_tables_with_write_changes(db_url: str) -> None:
    """A writer using Core statements (the session sees nothing) reports its changes itself."""
    from sqlalchemy import delete, update

    store = Store.open(db_url)
    events = _events()
    store.ingest([make_article(a) for a in events], stub_extractor(events))
    columns = [EventRow.__table__.c[f] for f in derived.FIELDS]
    with store.engine.begin() as connection:
        rows = {r["event_id_cnty"]: dict(r) for r in connection.execute(
            select(EventRow.__table__.c.event_id_cnty, *columns)).mappings()}
        first, second = sorted(rows)[:2]
        moved = {**rows[first], "admin1": "Homs", "fatalities": 40, "assoc_actor_1": "Tribal Group (Syria)"}
        connection.execute(update(EventRow.__table__).where(EventRow.__table__.c.event_id_cnty == first)
                           .values({k: moved[k] for k in ("admin1", "fatalities", "assoc_actor_1")}))
        for table in (EventSourceRow.__table__, CandidateRow.__table__, EventRow.__table__):  # as a rejection does
            connection.execute(delete(table).where(table.c.event_id_cnty == second))
        derived.write_changes(connection, [(rows[first], moved, first), (rows[second], None, second)])
    assert_derived_match(store)
    store.close()
