"""Read queries for the analysts' API (``rasd serve``): filtered pages of events, one event with its
sources, deletions, and dashboard statistics.

These sit beside ``Store.events`` (which streams a whole export) and never change the database.
Filters follow ACLED's API: an event-date range, country / iso / admin1 / admin2, event and
sub-event type, an actor matched against actor1, actor2 and both associated-actor columns, the
interaction, a fatalities minimum, a bounding box, ``timestamp`` since (incremental sync) and the
status (``event`` or ``candidate``). Pages are ordered newest event first, then by id, so paging
is stable.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, and_, case, exists, false, func, literal, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from rasd.schema import SUB_EVENT_TO_TYPE, Event
from rasd.store import summary
from rasd.store.derived import fold
from rasd.store.models import (
    ActorNameRow, ArticleRow, AuditRow, CandidateRow, DeletionRow, EventActorRow, EventRow, EventSourceRow,
    SummaryEventRow,
)
from rasd.store.repository import Store, event_from_row
from rasd.store.summary import Totals

STATUSES = ("event", "candidate")


@dataclass
class EventQuery:
    """ACLED-style filters; ``None`` means "any"."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    country: str | None = None
    iso: int | None = None
    admin1: str | None = None
    admin2: str | None = None
    event_type: str | None = None
    sub_event_type: str | None = None
    actor: str | None = None
    interaction: str | None = None
    fatalities_min: int | None = None
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    since: int | None = None
    status: str | None = "event"  # "event", "candidate", or None for both


# How the filters reach the rows. PostgreSQL's planner picks well from its statistics. SQLite's
# knows nothing of how many events a box or a fatalities minimum matches (no STAT4 histograms),
# and takes the (latitude, longitude) index even for a box holding a whole governorate, then
# sorts all of it. So on SQLite the store counts how many of the newest SAMPLE_ROWS entries of
# ix_events_date_scan match (that index carries both columns, and status and iso: no row is read),
# and compares two costs: walking that index newest first until a page is full, with the
# predicates written as ``column + 0`` (an expression no index serves), or fetching every event
# the rarer predicate matches through its own index (an IN over it) and sorting them. A walked
# entry costs about 1/WALK_VS_FETCH of a fetched row: 0.35 against 5 microseconds, measured on
# 1,000,000 events.
SAMPLE_ROWS, WALK_VS_FETCH = 2_000, 14
# An actor carried by more events than this is common: a newest-first walk meets a page of it
# soon, testing each row; a rarer one is read through event_actors and sorted (_actor_condition).
RARE_ACTOR_ROWS = 15_000
_ACTOR_COLUMNS = (EventRow.actor1, EventRow.actor2, EventRow.assoc_actor_1, EventRow.assoc_actor_2)


def _equalities(q: EventQuery, *, iso_indexed: bool = True) -> list[Any]:
    conditions = []
    if q.status:
        conditions.append(EventRow.status == q.status)
    if q.date_from:
        conditions.append(EventRow.event_date >= q.date_from)
    if q.date_to:
        conditions.append(EventRow.event_date <= q.date_to)
    # Names are matched exactly (the store writes them in one canonical form); the page offers
    # them from /api/stats, so case-folding (which defeats the indexes) is not needed.
    iso = EventRow.iso if iso_indexed else EventRow.iso + 0
    for column, value in ((EventRow.country, q.country), (iso, q.iso), (EventRow.admin1, q.admin1),
                          (EventRow.admin2, q.admin2), (EventRow.event_type, q.event_type),
                          (EventRow.sub_event_type, q.sub_event_type), (EventRow.interaction, q.interaction)):
        if value is not None and value != "":
            conditions.append(column == value)
    if q.since is not None:
        conditions.append(EventRow.timestamp >= q.since)
    return conditions


def _bbox_terms(table: Any, bbox: tuple[float, float, float, float], indexed: bool = True) -> list[Any]:
    west, south, east, north = bbox
    lat, lon = table.latitude, table.longitude
    if not indexed:
        lat, lon = lat + 0, lon + 0
    return [lon >= west, lon <= east, lat >= south, lat <= north]


def _fatalities_terms(table: Any, minimum: int, indexed: bool = True) -> list[Any]:
    return [(table.fatalities if indexed else table.fatalities + 0) >= minimum]


# The predicates steered on SQLite: their terms (on a table or alias), and their value in a query.
_SELECTIVE = {"bbox": (_bbox_terms, lambda q: q.bbox), "fatalities": (_fatalities_terms, lambda q: q.fatalities_min)}


def _sqlite_driver(s: Session, q: EventQuery, page_rows: int) -> str | None:
    """"bbox" or "fatalities": the predicate to fetch the events through when that is cheaper
    than walking ix_events_date_scan for ``page_rows`` matches; None to walk."""
    present = {name: value for name, (_, get) in _SELECTIVE.items() if (value := get(q))}
    if not present:
        return None
    recent = (select(EventRow.latitude, EventRow.longitude, EventRow.fatalities, EventRow.status, EventRow.iso)
              .order_by(EventRow.event_date.desc(), EventRow.event_id_cnty.desc()).limit(SAMPLE_ROWS).subquery())
    terms = {name: and_(*_SELECTIVE[name][0](recent.c, value)) for name, value in present.items()}
    carried = [recent.c.status == q.status] if q.status else []
    if q.iso is not None:
        carried.append(recent.c.iso == q.iso)
    counts = [func.sum(case((term, 1), else_=0)) for term in (*terms.values(), and_(*terms.values(), *carried))]
    *hits, joint = (n or 0 for n in s.execute(select(*counts)).one())
    fewest, rarest = min(zip(hits, present))
    events = s.scalar(select(func.sum(SummaryEventRow.events)).where(SummaryEventRow.grain == "all")) or 0
    walked = page_rows * SAMPLE_ROWS / max(joint, 0.5)  # index entries read to fill the page
    fetched = events * fewest / SAMPLE_ROWS  # rows the rarer predicate's index returns
    return None if walked <= WALK_VS_FETCH * fetched else rarest


def matching_actors(s: Session, text: str) -> list[tuple[str, int]]:
    """Actor values containing ``text`` (case-insensitive, literally: % and _ are not wildcards),
    with how many events carry each."""
    folded = fold(text)
    return [(name, n) for name, n in s.execute(select(ActorNameRow.name, ActorNameRow.events)
                                                .where(ActorNameRow.folded.contains(folded, autoescape=True)))]


def _actor_condition(s: Session, text: str, *, ordered_page: bool) -> Any:
    """An event matches when actor1, actor2 or an associated-actor column holds a matching value.
    A rare actor's events are read through event_actors. A common one is tested on each row of a
    newest-first walk: on PostgreSQL against the four columns of the row it reads anyway; on
    SQLite, whose walk reads only the index, by a lookup in event_actors (measured 5 ms against 12
    for the columns, 200,000 events); PostgreSQL runs that lookup as a parallel join (70 ms)."""
    names = matching_actors(s, text)
    if not names:
        return false()
    values = [name for name, _ in names]
    if not ordered_page or sum(n for _, n in names) <= RARE_ACTOR_ROWS:
        return EventRow.event_id_cnty.in_(select(EventActorRow.event_id_cnty).where(EventActorRow.name.in_(values)))
    if s.get_bind().dialect.name == "sqlite":
        return exists().where(EventActorRow.event_id_cnty == EventRow.event_id_cnty, EventActorRow.name.in_(values))
    return or_(*(column.in_(values) for column in _ACTOR_COLUMNS))


def _conditions(s: Session, q: EventQuery, *, ordered_page: bool = False, page_rows: int = 0) -> list[Any]:
    """The WHERE conditions for ``q``. ``ordered_page``: ``page_rows`` rows newest first (or in
    sync order), where walking the order and testing each row can beat fetching every match."""
    sqlite = s.get_bind().dialect.name == "sqlite"
    steer = sqlite and ordered_page
    driver = _sqlite_driver(s, q, page_rows) if steer else None
    # A newest-first walk of ix_events_date_scan tests iso there too, not through ix_events_iso_date.
    walk = steer and driver is None and bool(q.bbox or q.fatalities_min)
    conditions = _equalities(q, iso_indexed=not walk)
    if q.actor:
        conditions.append(_actor_condition(s, q.actor, ordered_page=ordered_page))
    for name, (terms, get) in _SELECTIVE.items():
        value = get(q)
        if value is None:
            continue
        if name == driver:
            inner = aliased(EventRow)
            conditions.append(EventRow.event_id_cnty.in_(select(inner.event_id_cnty).where(*terms(inner, value))))
        else:
            conditions += terms(EventRow, value, indexed=not steer)
    return conditions


# -- pages ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Cursor:
    """Where a page ended: (event_date, id) newest first, or (timestamp, id) for a ``timestamp``
    sync. Opaque to clients (URL-safe base64 of JSON)."""

    order: str  # "date" | "timestamp"
    value: Any  # the last row's event_date (ISO, or None) or timestamp
    event_id: str

    def encode(self) -> str:
        raw = json.dumps([self.order, self.value, self.event_id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Raises ValueError on anything but a cursor this API wrote."""
        try:
            order, value, event_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (ValueError, TypeError) as exc:
            raise ValueError("not a cursor") from exc
        valid = isinstance(event_id, str) and (
            (order == "date" and (value is None or isinstance(value, str))) or
            (order == "timestamp" and isinstance(value, int)))
        if not valid:
            raise ValueError("not a cursor")
        if order == "date" and value is not None:
            dt.date.fromisoformat(value)
        return cls(order, value, event_id)


@dataclass
class Page:
    rows: list[dict[str, Any]]
    has_more: bool
    next_cursor: str | None


def _order(q: EventQuery) -> tuple[Any, ...]:
    """Newest event first; an incremental sync (``since``) gets the changes in the order they
    were made (timestamp, then id), which pages stably while new writes arrive at the end."""
    if q.since is not None:
        return (EventRow.timestamp, EventRow.event_id_cnty)
    return (EventRow.event_date.desc(), EventRow.event_id_cnty.desc())


def _order_name(q: EventQuery) -> str:
    return "timestamp" if q.since is not None else "date"


def _after(cursor: Cursor, nulls_first: bool) -> list[Any]:
    """Conditions for the rows after ``cursor``, one per stretch of the order, read in turn.
    Undated rows (candidates) sort after the dated in SQLite's descending order and before them in
    PostgreSQL's; each stretch is one index range, so a deep page costs what the first does."""
    if cursor.order == "timestamp":
        return [and_(EventRow.timestamp >= cursor.value,
                     tuple_(EventRow.timestamp, EventRow.event_id_cnty) > tuple_(cursor.value, cursor.event_id))]
    if cursor.value is None:
        undated = and_(EventRow.event_date.is_(None), EventRow.event_id_cnty < cursor.event_id)
        return [undated, EventRow.event_date.is_not(None)] if nulls_first else [undated]
    day = dt.date.fromisoformat(cursor.value)
    dated = and_(EventRow.event_date <= day,
                 tuple_(EventRow.event_date, EventRow.event_id_cnty) < tuple_(literal(day, Date()), cursor.event_id))
    return [dated] if nulls_first else [dated, EventRow.event_date.is_(None)]


def _cursor_of(row: dict[str, Any], order: str) -> Cursor:
    if order == "timestamp":
        return Cursor(order, row["timestamp"], row["event_id_cnty"])
    day = row["event_date"]
    return Cursor(order, day.isoformat() if day is not None else None, row["event_id_cnty"])


def event_page(store: Store, q: EventQuery, columns: tuple[str, ...], *, limit: int, offset: int = 0,
               cursor: Cursor | None = None, extra: tuple[str, ...] = ()) -> Page:
    """One page of the chosen columns (plus ``extra`` ones, for the caller) as dicts, newest
    first (or in sync order), after ``cursor`` if given, else after ``offset`` rows; and the cursor
    of the next page. Only the selected columns are read: no model per row, which is most of the
    cost of a page of 500."""
    order = _order_name(q)
    keys = ("event_date", "event_id_cnty") if order == "date" else ("timestamp", "event_id_cnty")
    wanted = tuple(dict.fromkeys((*columns, *extra, *keys)))
    with store.session() as s:
        conditions = _conditions(s, q, ordered_page=True, page_rows=offset + limit + 1)
        base = select(*(getattr(EventRow, c) for c in wanted)).where(*conditions)
        base = base.order_by(*_order(q))
        if cursor is None:
            rows = s.execute(base.limit(limit + 1).offset(offset)).all()
        else:
            rows = []
            for stretch in _after(cursor, nulls_first=s.get_bind().dialect.name == "postgresql"):
                rows += s.execute(base.where(stretch).limit(limit + 1 - len(rows))).all()
                if len(rows) > limit:
                    break
    records = [dict(zip(wanted, row)) for row in rows[:limit]]
    more = len(rows) > limit
    next_cursor = _cursor_of(records[-1], order).encode() if more and records else None
    return Page([_json_ready(r, set(columns) | set(extra)) for r in records], more, next_cursor)


def _json_ready(record: dict[str, Any], keep: set[str]) -> dict[str, Any]:
    """The asked columns only, dates as ISO strings, text never null (as ``Event`` has it)."""
    out = {}
    for key, value in record.items():
        if key not in keep:
            continue
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif value is None and key in _TEXT_DEFAULTS:
            value = ""
        out[key] = value
    return out


_TEXT_DEFAULTS = {c.name for c in EventRow.__table__.columns if c.type.python_type is str}


def count_events(store: Store, q: EventQuery) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(EventRow).where(*_conditions(s, q))) or 0


@dataclass
class EventDetail:
    event: Event
    sources: list[dict[str, Any]]
    candidate: dict[str, Any] | None
    history: list[dict[str, Any]]


def _sentence_offset(text: str, sentence: str, spans: dict[str, Any]) -> int:
    """Where the source sentence starts in the article (evidence offsets index the article)."""
    if not sentence:
        return -1
    hits = []
    start = text.find(sentence)
    while start != -1:
        hits.append(start)
        start = text.find(sentence, start + 1)
    if not hits:
        return -1
    firsts = [int(s["start"]) for s in spans.values() if isinstance(s, dict) and "start" in s]
    if firsts:
        # the occurrence that contains (or is nearest before) the evidence
        anchor = min(firsts)
        before = [h for h in hits if h <= anchor]
        return before[-1] if before else hits[0]
    return hits[0]


def event_detail(store: Store, event_id: str) -> EventDetail | None:
    """The record with every report behind it: article title, outlet, URL, date, the source
    sentence and its evidence spans (offsets into the article, and into the sentence)."""
    with store.session() as s:
        row = s.get(EventRow, event_id)
        if row is None:
            return None
        event = event_from_row(row)
        sources = []
        for source_row, article in s.execute(
                select(EventSourceRow, ArticleRow).join(ArticleRow, ArticleRow.id == EventSourceRow.article_id)
                .where(EventSourceRow.event_id_cnty == event_id).order_by(EventSourceRow.id)):
            reported = source_row.reported or {}
            sentence = reported.get("source_sentence", "") or ""
            evidence = reported.get("evidence", {}) or {}
            offset = _sentence_offset(article.text, sentence, evidence)
            spans = []
            for field_name, span in evidence.items():
                start, end = int(span.get("start", 0)), int(span.get("end", 0))
                in_sentence = offset >= 0 and offset <= start and end <= offset + len(sentence)
                spans.append({"field": field_name, "text": span.get("text", ""), "start": start, "end": end,
                              "sentence_start": start - offset if in_sentence else None,
                              "sentence_end": end - offset if in_sentence else None})
            spans.sort(key=lambda sp: (sp["start"], sp["end"]))
            sources.append({
                "article_id": article.id, "title": article.title, "outlet": article.source, "url": article.url or "",
                "published": article.published.isoformat(), "origin": article.origin,
                "event_index": source_row.event_index, "added_at": source_row.added_at,
                "source_sentence": sentence, "evidence": spans,
                "reported": {k: reported.get(k) for k in (
                    "event_date", "event_type", "sub_event_type", "actor1", "actor2", "location", "admin1",
                    "fatalities", "status", "reason")},
            })
        candidate_row = s.get(CandidateRow, event_id)
        candidate = None if candidate_row is None else {
            "reason": candidate_row.reason, "created_at": candidate_row.created_at,
            "resolved_at": candidate_row.resolved_at}
        history = [{"at": a.at, "action": a.action, "article_id": a.article_id, "detail": a.detail}
                   for a in s.scalars(select(AuditRow).where(AuditRow.event_id_cnty == event_id).order_by(AuditRow.id))]
    return EventDetail(event=event, sources=sources, candidate=candidate, history=history)


def deletions_since(store: Store, since: int | None = None, *, limit: int | None = None) -> list[dict[str, Any]]:
    with store.session() as s:
        query = select(DeletionRow).order_by(DeletionRow.deleted_at, DeletionRow.id)
        if since is not None:
            query = query.where(DeletionRow.deleted_at >= since)
        if limit is not None:
            query = query.limit(limit)
        return [{"event_id_cnty": d.event_id_cnty, "deleted_at": d.deleted_at, "reason": d.reason,
                 "merged_into": d.merged_into or ""} for d in s.scalars(query)]


def data_version(store: Store) -> tuple[int, int]:
    """Changes whenever the dataset does (every write appends to the audit log): a cache key."""
    with store.session() as s:
        return (s.scalar(select(func.max(AuditRow.id))) or 0, s.scalar(select(func.max(DeletionRow.id))) or 0)


def week_start(day: dt.date) -> dt.date:
    """Monday of the ISO week."""
    return day - dt.timedelta(days=day.weekday())


def event_stats(store: Store, q: EventQuery, *, top: int = 20, use_summary: bool = True) -> dict[str, Any]:
    """Counts and fatalities by week, event type, admin1 and actor, and the latest week against
    the average of the four weeks before it (as ACLED's dashboard shows). Each part comes from the
    summary tables when they have the filters' columns (``rasd.store.summary``), else from the
    events; ``use_summary=False`` reads the events for all (the tests compare the two)."""
    with store.session() as s:
        parts: dict[str, Totals | None] = {name: None for name in _PARTS}
        if use_summary:
            parts["day"] = summary.day_series(s, q)

            def actors_of_days(days: EventQuery) -> Totals:
                return _raw_stats(s, days, {"actor"})["actor"]

            for name in ("sub_event_type", "admin1", "actor"):
                parts[name] = summary.breakdown(s, q, name, actors_of_days)
        missing = {name for name, totals in parts.items() if totals is None}
        if missing:
            parts.update(_raw_stats(s, q, missing))
    return _assemble({name: totals or [] for name, totals in parts.items()}, top)


def _raw_stats(s: Session, q: EventQuery, parts: set[str]) -> dict[str, Totals]:
    """The parts (day, sub_event_type, admin1, actor) counted in one pass over the filtered events:
    one query, summed here (a loop per part would read the events once per part)."""
    cells: dict[str, dict[Any, list[int]]] = {name: defaultdict(lambda: [0, 0]) for name in _PARTS}
    days, subs, admins, actors = (cells[name] for name in _PARTS)
    query = select(EventRow.fatalities, EventRow.event_date, EventRow.sub_event_type, EventRow.admin1,
                   EventRow.actor1, EventRow.actor2).where(*_conditions(s, q))
    for fatalities, day, sub, admin1, actor1, actor2 in s.execute(query):
        fatalities = fatalities or 0
        counted = [subs[sub or ""], admins[admin1 or ""]]
        if day is not None:  # the undated count everywhere but in the days
            counted.append(days[day])
        counted += [actors[actor] for actor in (actor1, actor2) if actor]
        for cell in counted:
            cell[0] += 1
            cell[1] += fatalities
    return {name: [(key, n, f) for key, (n, f) in cells[name].items()] for name in parts}


_PARTS = ("day", "sub_event_type", "admin1", "actor")


def _ranked(totals: Totals, limit: int | None = None) -> list[dict[str, Any]]:
    ordered = sorted(totals, key=lambda t: (-t[1], t[0] or ""))
    return [{"name": name or "", "events": n, "fatalities": f} for name, n, f in ordered[:limit]]


def _assemble(parts: dict[str, Totals], top: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    days = parts["day"]
    weeks: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for day, n, f in sorted(days):
        bucket = weeks[week_start(day)]
        bucket[0] += n
        bucket[1] += f
    out["by_day"] = [{"date": day.isoformat(), "events": n, "fatalities": f} for day, n, f in sorted(days)]
    out["by_week"] = [{"week": w.isoformat(), "events": v[0], "fatalities": v[1]} for w, v in sorted(weeks.items())]
    subs = _ranked(parts["sub_event_type"])
    out["by_sub_event_type"] = subs
    out["total"] = {"events": sum(x["events"] for x in subs), "fatalities": sum(x["fatalities"] for x in subs)}
    types: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for x in subs:
        bucket = types[SUB_EVENT_TO_TYPE.get(x["name"], x["name"])]
        bucket[0] += x["events"]
        bucket[1] += x["fatalities"]
    out["by_event_type"] = _ranked([(k, v[0], v[1]) for k, v in types.items()])
    out["by_admin1"] = _ranked(parts["admin1"])
    out["by_actor"] = _ranked(parts["actor"], top)
    out["latest_week"] = _latest_week(weeks)
    return out


def _latest_week(weeks: dict[dt.date, list[int]]) -> dict[str, Any] | None:
    if not weeks:
        return None
    latest = max(weeks)
    previous = [weeks.get(latest - dt.timedelta(weeks=i), [0, 0]) for i in range(1, 5)]
    avg_events = sum(p[0] for p in previous) / 4
    avg_fatalities = sum(p[1] for p in previous) / 4
    events, fatalities = weeks[latest]

    def change(now: float, before: float) -> float | None:
        return None if before == 0 else round((now - before) / before * 100, 1)

    return {"week": latest.isoformat(), "events": events, "fatalities": fatalities,
            "avg_4_weeks_events": avg_events, "avg_4_weeks_fatalities": avg_fatalities,
            "events_change_pct": change(events, avg_events), "fatalities_change_pct": change(fatalities, avg_fatalities)}


def parse_since(value: str) -> int:
    """A sync point as Unix seconds: digits, or an ISO date/time (UTC when no zone is given).
    Raises ValueError for anything else."""
    if value.isdigit():
        return int(value)
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return int(moment.timestamp())
