"""Tables derived from ``events``, kept in step with it inside every write transaction.

* ``summary_events``, ``summary_days``, ``summary_actors``: events and fatalities per period and
  (status, place, type, actor), which ``/api/stats`` sums instead of scanning the events
  (``rasd.store.summary`` reads them);
* ``actor_names`` and ``event_actors``: the distinct actor values and which events carry them,
  which the ``actor`` filter searches instead of the events.

Every change to an event is counted in the transaction that makes it, by one of two writers:

* ingest (``rasd.store.writer.BatchWrite``) writes events with Core statements, which no session
  hook sees; it passes the changes of every event it inserts, merges or deletes to
  ``write_changes`` before the batch commits, from the values it read and wrote;
* everything else goes through an ORM session of the store (``Store.session()`` returns a
  ``StoreSession``): analysts' reviews, events merged away on promotion. Before each flush, the
  session turns the events it is about to insert, change or delete into deltas of these tables
  (the old values from the attribute history, the new from the object); when the transaction
  commits, it writes their sum on the same connection.

Either way the tables commit with the events, and a rollback drops both. Any other Core write of
events (``insert(EventRow)``) bypasses both: migration 0003 builds the tables from the events of
an existing database, and a bulk load must be followed by the same rebuild (bench/api_latency.py
loads at revision 0002 and upgrades).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, event, inspect
from sqlalchemy.orm import Session

from rasd.store.bulk import execute_many
from rasd.store.models import ActorNameRow, EventActorRow, EventRow, SummaryActorRow, SummaryDayRow, SummaryEventRow

ALL_TIME = dt.date(1, 1, 1)  # the period of grain "all"
GRAINS = ("all", "year", "month", "day")
ACTOR_GRAINS = ("all", "year", "month")  # summary_actors has no days (see SummaryActorRow)
ACTOR_COLUMNS = ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2")
# What the derived tables read from an event.
FIELDS = ("status", "event_date", "iso", "country", "admin1", "event_type", "sub_event_type", "fatalities",
          *ACTOR_COLUMNS)

SUMMARY_EVENTS: Table = SummaryEventRow.__table__  # type: ignore[assignment]
SUMMARY_DAYS: Table = SummaryDayRow.__table__  # type: ignore[assignment]
SUMMARY_ACTORS: Table = SummaryActorRow.__table__  # type: ignore[assignment]
ACTOR_NAMES: Table = ActorNameRow.__table__  # type: ignore[assignment]
EVENT_ACTORS: Table = EventActorRow.__table__  # type: ignore[assignment]

Key = tuple[Any, ...]  # a summary row's primary key, in the table's column order
Deltas = dict[Table, dict[Key, list[int]]]  # table -> key -> [events, fatalities]
_PENDING = "rasd.derived.pending"  # Session.info key


def period_start(grain: str, day: dt.date) -> dt.date:
    if grain == "all":
        return ALL_TIME
    if grain == "year":
        return day.replace(month=1, day=1)
    if grain == "month":
        return day.replace(day=1)
    return day


def primary_key(table: Table) -> tuple[str, ...]:
    return tuple(c.name for c in table.primary_key.columns)


def _add(deltas: Deltas, table: Table, key: Key, sign: int, fatalities: int) -> None:
    cell = deltas[table].setdefault(key, [0, 0])
    cell[0] += sign
    cell[1] += sign * fatalities


def add_summary_rows(deltas: Deltas, values: Mapping[str, Any], sign: int) -> None:
    """Count one event (``sign`` +1) or take it back (-1) in the three summary tables."""
    day: dt.date | None = values["event_date"]
    fatalities = values["fatalities"] or 0
    where = (values["status"], values["iso"] or 0, values["country"] or "")
    admin1, kind = values["admin1"] or "", values["event_type"]
    for grain in GRAINS if day is not None else ("all",):
        period = period_start(grain, day) if day is not None else ALL_TIME
        _add(deltas, SUMMARY_EVENTS, (grain, period, *where, admin1, kind, values["sub_event_type"]), sign, fatalities)
        for actor in (values["actor1"], values["actor2"]) if grain in ACTOR_GRAINS else ():
            if actor:
                _add(deltas, SUMMARY_ACTORS, (grain, period, *where, admin1, kind, actor), sign, fatalities)
    if day is not None:
        _add(deltas, SUMMARY_DAYS, (day, *where, kind), sign, fatalities)


def actor_names(values: Mapping[str, Any] | None) -> set[str]:
    return {values[c] for c in ACTOR_COLUMNS if values[c]} if values else set()


# -- the flush hook ------------------------------------------------------------------------------
class StoreSession(Session):
    """The store's session: every flush that writes events also writes the derived tables."""


def _old_values(row: EventRow) -> dict[str, Any]:
    """The values as stored (before this flush): ``load_history`` reads an unloaded one."""
    state = inspect(row)
    out = {}
    for name in FIELDS:
        history = state.attrs[name].load_history()
        before = list(history.deleted) or list(history.unchanged)
        out[name] = before[0] if before else None
    return out


def _new_values(row: EventRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in FIELDS}


def _changes(session: Session) -> Iterable[Change]:
    """(before, after, event id) for every event this flush inserts, changes or deletes."""
    for row in session.new:
        if isinstance(row, EventRow):
            yield None, _new_values(row), row.event_id_cnty
    for row in session.dirty:
        if isinstance(row, EventRow) and session.is_modified(row):
            yield _old_values(row), _new_values(row), row.event_id_cnty
    for row in session.deleted:
        if isinstance(row, EventRow):
            yield _old_values(row), None, row.event_id_cnty


@dataclass
class _Pending:
    """What a transaction's flushes changed, written once when it commits."""

    deltas: Deltas = field(default_factory=lambda: defaultdict(dict))
    pairs: dict[tuple[str, str], int] = field(default_factory=dict)  # (name, event id) -> +1 carried, -1 dropped


Change = tuple[Mapping[str, Any] | None, Mapping[str, Any] | None, str]  # (before, after, event id): FIELDS


def count_changes(pending: _Pending, changes: Iterable[Change]) -> None:
    """Add events' changes to ``pending``: an insert has no before, a deletion no after."""
    for before, after, event_id in changes:
        if before is not None:
            add_summary_rows(pending.deltas, before, -1)
        if after is not None:
            add_summary_rows(pending.deltas, after, +1)
        old, new = actor_names(before), actor_names(after)
        for name, sign in [*((n, +1) for n in new - old), *((n, -1) for n in old - new)]:
            _add(pending.deltas, ACTOR_NAMES, (name,), sign, 0)
            pending.pairs[(name, event_id)] = pending.pairs.get((name, event_id), 0) + sign


def write_pending(connection: Connection, pending: _Pending) -> None:
    apply_deltas(connection, pending.deltas)
    _write_event_actors(connection, [pair for pair, sign in pending.pairs.items() if sign > 0],
                        [pair for pair, sign in pending.pairs.items() if sign < 0])


def write_changes(connection: Connection, changes: Iterable[Change]) -> None:
    """For a writer that changes events with Core statements (which the session does not see):
    the same bookkeeping, written at once on its connection, inside its transaction. ``before``
    and ``after`` hold at least ``FIELDS`` (the stored and the new values)."""
    pending = _Pending()
    count_changes(pending, changes)
    write_pending(connection, pending)


@event.listens_for(StoreSession, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    # Before the flush, because the attribute history (the stored values) is still there.
    count_changes(session.info.setdefault(_PENDING, _Pending()), _changes(session))


@event.listens_for(StoreSession, "before_commit")
def _before_commit(session: Session) -> None:
    """Write the transaction's deltas: once per ingest batch rather than per event, so the rows of a
    month or a year that many events share are written once (this halved the writer's time)."""
    session.flush()  # commit flushes after this hook: the last changes must be counted first
    pending: _Pending | None = session.info.pop(_PENDING, None)
    if pending is not None and (pending.deltas or pending.pairs):
        write_pending(session.connection(), pending)


@event.listens_for(StoreSession, "after_transaction_end")
def _after_transaction_end(session: Session, transaction: Any) -> None:
    if transaction.parent is None:  # rolled back (a commit has taken them already)
        session.info.pop(_PENDING, None)


# -- writing the deltas --------------------------------------------------------------------------
@functools.cache
def _upsert(dialect: str, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO UPDATE adding the deltas (the dialect's own construct, the same on
    both); built once per dialect and table (``execute_many`` keeps its compiled form)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table)
    counted = {"events": table.c.events + statement.excluded.events}
    if "fatalities" in table.c:
        counted["fatalities"] = table.c.fatalities + statement.excluded.fatalities
    return statement.on_conflict_do_update(index_elements=list(primary_key(table)), set_=counted)


@functools.cache
def _delete_emptied(table: Table) -> Any:
    keys = primary_key(table)
    return table.delete().where(and_(*(table.c[k] == bindparam(f"k_{k}") for k in keys)), table.c.events <= 0)


_DELETE_EVENT_ACTOR = EVENT_ACTORS.delete().where(EVENT_ACTORS.c.name == bindparam("k_name"),
                                                  EVENT_ACTORS.c.event_id_cnty == bindparam("k_id"))
_INSERT_EVENT_ACTOR = EVENT_ACTORS.insert()


def apply_deltas(connection: Connection, deltas: Deltas) -> None:
    """Add each delta to its row (creating it), then drop the rows that reach zero events, so a
    table holds only what exists. Keys are written in sorted order: two PostgreSQL writers
    touching the same rows lock them in the same order and cannot deadlock."""
    for table, cells in deltas.items():
        keys = primary_key(table)
        changed = sorted((k, v) for k, v in cells.items() if v != [0, 0])
        if not changed:
            continue
        execute_many(connection, _upsert(connection.dialect.name, table),
                     [_row(table, keys, key, value) for key, value in changed])
        execute_many(connection, _delete_emptied(table),
                     [dict(zip((f"k_{k}" for k in keys), key)) for key, value in changed if value[0] < 0])


def _row(table: Table, keys: tuple[str, ...], key: Key, value: list[int]) -> dict[str, Any]:
    row = dict(zip(keys, key))
    row["events"] = value[0]
    if "fatalities" in table.c:
        row["fatalities"] = value[1]
    if table is ACTOR_NAMES:
        row["folded"] = fold(key[0])
    return row


def fold(name: str) -> str:
    """The case-insensitive form the ``actor`` filter compares (Python's, on every backend)."""
    return name.lower()


def _write_event_actors(connection: Connection, added: list[tuple[str, str]],
                        removed: list[tuple[str, str]]) -> None:
    execute_many(connection, _DELETE_EVENT_ACTOR, [{"k_name": name, "k_id": event_id} for name, event_id in removed])
    execute_many(connection, _INSERT_EVENT_ACTOR, [{"name": name, "event_id_cnty": event_id}
                                                   for name, event_id in sorted(added)])
