"""Many-row statements for the single writer, without SQLAlchemy's per-row parameter handling.

``conn.execute(statement, rows)`` builds a dictionary of parameters for every row and then runs
each value through its type's bind processor; for the few thousand rows an ingest batch writes
(articles, events, sources, audit entries, summary-table upserts) that bookkeeping cost the
writer more CPU than SQLite's own work (bench/throughput.py; docs/SCALING.md). ``execute_many``
compiles the statement once per dialect and set of row keys, keeps the list of bind processors
the compiled statement needs (the same ``TypeEngine.bind_processor`` SQLAlchemy would apply, so
dates, JSON and everything else are stored exactly as before), and hands the DBAPI's
``executemany`` ready parameter tuples (or dictionaries, for named paramstyles) through
``Connection.exec_driver_sql``: same SQL, same values, one Python loop per row.

Only plain bound parameters are supported (no ``IN`` lists expanded at execution time); a
statement that has one raises at compile time, so a misuse cannot write wrong values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Slot:
    """One parameter of the compiled statement: a row's value (``key``) or a constant."""

    name: str  # as the DBAPI sees it (named paramstyles)
    key: str | None  # the row key it reads; None: ``constant``
    constant: Any
    process: _Processor


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    positional: bool
    slots: tuple[_Slot, ...]


_PLANS: dict[tuple[int, str, tuple[str, ...]], tuple[Executable, _Plan]] = {}


def _plan(statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> _Plan:
    cache_key = (id(statement), dialect.name, keys)
    cached = _PLANS.get(cache_key)
    if cached is not None and cached[0] is statement:
        return cached[1]
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    binds = compiled.binds
    if any(bind.expanding for bind in binds.values()):
        raise ValueError("execute_many does not support expanding (IN list) parameters")
    if compiled.insert_prefetch or compiled.update_prefetch:  # Python-side column defaults
        missing = [c.key for c in (*compiled.insert_prefetch, *compiled.update_prefetch)]
        raise ValueError(f"execute_many needs every row to give the columns with Python defaults: {missing}")
    names = list(compiled.positiontup) if compiled.positional else list(binds)
    slots = []
    for name in names:
        bind = binds[name]
        key = bind.key if bind.key in keys else name if name in keys else None
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        constant = None if key is not None else (bind.effective_value if bind.callable is None else bind.callable())
        slots.append(_Slot(compiled.escaped_bind_names.get(name, name), key, constant, process))
    plan = _Plan(compiled.string, compiled.positional, tuple(slots))
    _PLANS[cache_key] = (statement, plan)  # the statement is kept alive: its id stays its own
    return plan


def execute_many(conn: Connection, statement: Executable, rows: Sequence[Mapping[str, Any]]) -> None:
    """Run ``statement`` once per row (DBAPI ``executemany``). Every row has the keys of the first;
    ``statement`` should be a long-lived object (module-level or cached): plans are kept by it."""
    if not rows:
        return
    keys = tuple(rows[0])
    plan = _plan(statement, conn.dialect, keys)
    slots = plan.slots
    if plan.positional:
        fetchers = [(s.key, s.constant, s.process) for s in slots]
        params: list[Any] = []
        for row in rows:
            values = []
            for key, constant, process in fetchers:  # None too: JSON's processor writes it as 'null'
                value = row[key] if key is not None else constant
                values.append(process(value) if process is not None else value)
            params.append(tuple(values))
    else:
        params = []
        for row in rows:
            named = {}
            for slot in slots:
                value = row[slot.key] if slot.key is not None else slot.constant
                named[slot.name] = slot.process(value) if slot.process is not None else value
            params.append(named)
    conn.exec_driver_sql(plan.sql, params)
