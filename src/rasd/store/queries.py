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

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select

from rasd.schema import SUB_EVENT_TO_TYPE, Event
from rasd.store.models import ArticleRow, AuditRow, CandidateRow, DeletionRow, EventRow, EventSourceRow
from rasd.store.repository import Store, event_from_row

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


def _filtered(query: Select[Any], q: EventQuery) -> Select[Any]:
    conditions = []
    if q.status:
        conditions.append(EventRow.status == q.status)
    if q.date_from:
        conditions.append(EventRow.event_date >= q.date_from)
    if q.date_to:
        conditions.append(EventRow.event_date <= q.date_to)
    # Names are matched exactly (the store writes them in one canonical form); the page offers
    # them from /api/stats, so case-folding (which defeats the indexes) is not needed.
    if q.country:
        conditions.append(EventRow.country == q.country)
    if q.iso is not None:
        conditions.append(EventRow.iso == q.iso)
    if q.admin1:
        conditions.append(EventRow.admin1 == q.admin1)
    if q.admin2:
        conditions.append(EventRow.admin2 == q.admin2)
    if q.event_type:
        conditions.append(EventRow.event_type == q.event_type)
    if q.sub_event_type:
        conditions.append(EventRow.sub_event_type == q.sub_event_type)
    if q.interaction:
        conditions.append(EventRow.interaction == q.interaction)
    if q.fatalities_min is not None:
        conditions.append(EventRow.fatalities >= q.fatalities_min)
    if q.since is not None:
        conditions.append(EventRow.timestamp >= q.since)
    if q.bbox:
        west, south, east, north = q.bbox
        conditions += [EventRow.longitude >= west, EventRow.longitude <= east,
                       EventRow.latitude >= south, EventRow.latitude <= north]
    if q.actor:
        pattern = f"%{q.actor.lower()}%"
        conditions.append(or_(*(func.lower(c).like(pattern) for c in (
            EventRow.actor1, EventRow.actor2, EventRow.assoc_actor_1, EventRow.assoc_actor_2))))
    return query.where(and_(*conditions)) if conditions else query


def _order(q: EventQuery) -> tuple[Any, ...]:
    """Newest event first; an incremental sync (``since``) gets the changes in the order they
    were made (timestamp, then id), which pages stably while new writes arrive at the end."""
    if q.since is not None:
        return (EventRow.timestamp, EventRow.event_id_cnty)
    return (EventRow.event_date.desc(), EventRow.event_id_cnty.desc())


def query_events(store: Store, q: EventQuery, *, limit: int, offset: int = 0) -> tuple[list[Event], bool]:
    """One page of events (newest first) and whether more follow."""
    query = _filtered(select(EventRow), q).order_by(*_order(q))
    query = query.limit(limit + 1).offset(offset)
    with store.session() as s:
        rows = list(s.scalars(query))
    return [event_from_row(r) for r in rows[:limit]], len(rows) > limit


def query_event_dicts(store: Store, q: EventQuery, columns: tuple[str, ...], *, limit: int,
                      offset: int = 0) -> tuple[list[dict[str, Any]], bool]:
    """Like ``query_events`` but only the chosen columns, as JSON-ready dicts (dates as ISO
    strings): no model per row, which is most of the cost of a page of 500."""
    selected = [getattr(EventRow, c) for c in columns]
    query = _filtered(select(*selected), q).order_by(*_order(q))
    query = query.limit(limit + 1).offset(offset)
    with store.session() as s:
        rows = s.execute(query).all()
    out = []
    for row in rows[:limit]:
        item = dict(zip(columns, row))
        for key, value in item.items():
            if isinstance(value, dt.date):
                item[key] = value.isoformat()
            elif value is None and key in _TEXT_DEFAULTS:
                item[key] = ""
        out.append(item)
    return out, len(rows) > limit


_TEXT_DEFAULTS = {c.name for c in EventRow.__table__.columns if c.type.python_type is str}


def count_events(store: Store, q: EventQuery) -> int:
    with store.session() as s:
        return s.scalar(_filtered(select(func.count()).select_from(EventRow), q)) or 0


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


def event_stats(store: Store, q: EventQuery, *, top: int = 20) -> dict[str, Any]:
    """Counts and fatalities by week, event type, admin1 and actor, and the latest week against
    the average of the four weeks before it (as ACLED's dashboard shows)."""
    out: dict[str, Any] = {}
    with store.session() as s:
        # Grouped by day in SQL (portable; at most a few thousand rows), weeks summed here.
        weeks: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
        days = []
        for day, n, f in s.execute(_filtered(
                select(EventRow.event_date, func.count(), func.coalesce(func.sum(EventRow.fatalities), 0)), q)
                .where(EventRow.event_date.is_not(None)).group_by(EventRow.event_date).order_by(EventRow.event_date)):
            days.append({"date": day.isoformat(), "events": int(n), "fatalities": int(f)})
            bucket = weeks[week_start(day)]
            bucket[0] += int(n)
            bucket[1] += int(f)
        out["by_day"] = days
        out["by_week"] = [{"week": w.isoformat(), "events": v[0], "fatalities": v[1]} for w, v in sorted(weeks.items())]

        def grouped(column: Any, limit: int | None = None) -> list[dict[str, Any]]:
            query = (_filtered(select(column, func.count(), func.coalesce(func.sum(EventRow.fatalities), 0)), q)
                     .group_by(column).order_by(func.count().desc(), column))
            if limit:
                query = query.limit(limit)
            return [{"name": name or "", "events": int(n), "fatalities": int(f)} for name, n, f in s.execute(query)]

        subs = grouped(EventRow.sub_event_type)
        out["by_sub_event_type"] = subs
        out["total"] = {"events": sum(x["events"] for x in subs), "fatalities": sum(x["fatalities"] for x in subs)}
        types: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for x in subs:
            bucket = types[SUB_EVENT_TO_TYPE.get(x["name"], x["name"])]
            bucket[0] += x["events"]
            bucket[1] += x["fatalities"]
        out["by_event_type"] = [{"name": k, "events": v[0], "fatalities": v[1]}
                                for k, v in sorted(types.items(), key=lambda kv: (-kv[1][0], kv[0]))]
        out["by_admin1"] = grouped(EventRow.admin1)
        actors: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for column in (EventRow.actor1, EventRow.actor2):
            for item in grouped(column):
                if item["name"]:
                    actors[item["name"]][0] += item["events"]
                    actors[item["name"]][1] += item["fatalities"]
        out["by_actor"] = [{"name": k, "events": v[0], "fatalities": v[1]}
                           for k, v in sorted(actors.items(), key=lambda kv: (-kv[1][0], kv[0]))[:top]]
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
