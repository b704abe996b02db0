"""``/api/stats`` from the summary tables (``rasd.store.derived`` keeps them): a few thousand rows
summed instead of the filtered events.

A summary table answers a filter set when it has a column for every filter: status, the date
range (through its periods), country, iso, admin1, event type, sub-event type. Each function here
returns ``None`` when its table cannot answer, and the caller (``rasd.store.queries.event_stats``)
reads the events instead; filters on actor, admin2, interaction, fatalities, bbox or timestamp
always go to the events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table, and_, func, or_, select
from sqlalchemy.orm import Session

from rasd.store.derived import SUMMARY_ACTORS, SUMMARY_DAYS, SUMMARY_EVENTS

if TYPE_CHECKING:
    from rasd.store.queries import EventQuery

# EventQuery attributes a summary table may answer, and the column each filters.
DIMENSIONS = {"country": "country", "iso": "iso", "admin1": "admin1", "event_type": "event_type",
              "sub_event_type": "sub_event_type"}
OTHER_FILTERS = ("admin2", "actor", "interaction", "fatalities_min", "bbox", "since")
Part = tuple[str, dt.date | None, dt.date | None]  # grain, first period, last period (None: open)
Totals = list[tuple[Any, int, int]]  # (day or name, events, fatalities)


def _month_end(day: dt.date) -> dt.date:
    following = day.replace(day=28) + dt.timedelta(days=4)
    return following - dt.timedelta(days=following.day)


def periods(date_from: dt.date | None, date_to: dt.date | None) -> list[Part]:
    """The days from ``date_from`` to ``date_to`` (inclusive; None is open) as whole years, whole
    months and single days: the days up to the first month boundary, the months up to the first
    year boundary, the years, then the months and days of the end. Every day in the range lies in
    exactly one part. No range at all is the grain "all" (it alone counts undated events)."""
    if date_from is None and date_to is None:
        return [("all", None, None)]
    parts: list[Part] = []
    start, end = date_from, date_to
    for grain, is_boundary, block_end, block_start in (
            ("day", lambda d: d.day == 1, _month_end, lambda d: d.replace(day=1)),
            ("month", lambda d: d.month == 1, lambda d: d.replace(month=12, day=31), lambda d: d.replace(month=1, day=1))):
        if start is not None and not is_boundary(start):
            last = block_end(start) if end is None else min(end, block_end(start))
            parts.append((grain, start, last))
            if end is not None and last >= end:
                return parts
            start = last + dt.timedelta(days=1)
        if end is not None and end != block_end(end):
            first = block_start(end) if start is None else max(start, block_start(end))
            parts.append((grain, first, end))
            if start is not None and first <= start:
                return parts
            end = first - dt.timedelta(days=1)
    parts.append(("year", start, end))
    return parts


def _period_condition(table: Table, parts: list[Part]) -> Any:
    terms = []
    for grain, first, last in parts:
        term = [table.c.grain == grain]
        if first is not None:
            term.append(table.c.period >= first)
        if last is not None:
            term.append(table.c.period <= last)
        terms.append(and_(*term))
    return or_(*terms)


def answerable(q: EventQuery) -> bool:
    return all(getattr(q, name) in (None, "") for name in OTHER_FILTERS) and q.iso != 0


def _conditions(table: Table, q: EventQuery) -> list[Any] | None:
    """The filters as conditions on the table, or None if it lacks a column for one of them."""
    conditions = []
    if q.status:
        conditions.append(table.c.status == q.status)
    for attribute, column in DIMENSIONS.items():
        value = getattr(q, attribute)
        if value is None:
            continue
        if column not in table.c:
            return None
        conditions.append(table.c[column] == value)
    return conditions


def _sums(table: Table) -> tuple[Any, Any]:
    return func.sum(table.c.events), func.sum(table.c.fatalities)


def day_series(s: Session, q: EventQuery) -> Totals | None:
    """Events and fatalities per day, from the narrowest table that has the filters' columns."""
    if not answerable(q):
        return None
    for table, grain in ((SUMMARY_DAYS, None), (SUMMARY_EVENTS, "day")):
        conditions = _conditions(table, q)
        if conditions is None:
            continue
        if grain is not None:
            conditions.append(table.c.grain == grain)
        if q.date_from:
            conditions.append(table.c.period >= q.date_from)
        if q.date_to:
            conditions.append(table.c.period <= q.date_to)
        query = (select(table.c.period, *_sums(table)).where(*conditions).group_by(table.c.period)
                 .having(func.sum(table.c.events) > 0).order_by(table.c.period))
        return [(day, int(n), int(f)) for day, n, f in s.execute(query)]
    return None


def breakdown(s: Session, q: EventQuery, column: str,
              count_days: Callable[[EventQuery], Totals] | None = None) -> Totals | None:
    """Events and fatalities per value of ``column`` (sub_event_type, admin1 or actor) over the
    date range; actors from ``summary_actors`` (whose days, at the ends of a range, come from
    ``count_days``, a count over the events of a narrower query), the rest from ``summary_events``."""
    table = SUMMARY_ACTORS if column == "actor" else SUMMARY_EVENTS
    conditions = _conditions(table, q) if answerable(q) else None
    if conditions is None:
        return None
    parts = periods(q.date_from, q.date_to)
    days = [part for part in parts if part[0] == "day"] if table is SUMMARY_ACTORS else []
    if days and count_days is None:
        return None
    totals: Totals = []
    summed = [part for part in parts if part not in days]
    if summed:
        conditions.append(_period_condition(table, summed))
        query = (select(table.c[column], *_sums(table)).where(*conditions).group_by(table.c[column])
                 .having(func.sum(table.c.events) > 0))
        totals += [(name, int(n), int(f)) for name, n, f in s.execute(query)]
    for _, first, last in days:
        totals += count_days(replace(q, date_from=first, date_to=last))  # type: ignore[misc]
    return _merged(totals)


def _merged(totals: Totals) -> Totals:
    sums: dict[Any, list[int]] = {}
    for name, n, f in totals:
        cell = sums.setdefault(name, [0, 0])
        cell[0] += n
        cell[1] += f
    return [(name, n, f) for name, (n, f) in sums.items()]
