"""Analysts' writes to the living dataset: confirm, reject, edit, place and date a candidate; and
the review queue they work from (``pending``). The API (``rasd serve``) and the command line
(``rasd review``) both call these.

Every write keeps the event's id, gives it a new ``timestamp`` (so ``timestamp`` sync picks it
up), appends an ``audit_log`` entry with who did what (and the values before and after), and a
rejection is published as a deletion, exactly as a merge is. One transaction per write.

A candidate that becomes an event (placed, dated or confirmed) is deduplicated as a new report is
at ingest: when it is the same incident as stored events (``rasd.store.dedupe.same_incident``),
they become one record under the oldest id, the others are withdrawn as published deletions
(``duplicate: merged into ...``), and the write returns that record.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from rasd.schema import SUB_EVENT_TO_TYPE, Event
from rasd.store.dedupe import incidents_may_join, merge_events
from rasd.store.models import AuditRow, CandidateRow, DeletionRow, EventRow, EventSourceRow
from rasd.store.repository import Store, _row_values, _sequence_number, event_from_row, withdraw_into

# What an analyst may change by hand; the rest is derived (event_type, year) or provenance.
EDITABLE = (
    "event_date", "time_precision", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "civilian_targeting", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
    "geo_precision", "notes", "fatalities", "tags",
)
_DISORDER = {"Battles": "Political violence", "Explosions/Remote violence": "Political violence",
             "Violence against civilians": "Political violence", "Strategic developments": "Strategic developments",
             "Protests": "Demonstrations", "Riots": "Demonstrations"}


class ReviewError(Exception):
    """A write that cannot be done: ``status`` is the HTTP status the API answers with."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def _load(s: Session, event_id: str) -> EventRow:
    row = s.get(EventRow, event_id, with_for_update=True)
    if row is None:
        raise ReviewError(f"no event {event_id!r}", 404)
    return row


def _now(s: Session, row: EventRow) -> int:
    # Strictly newer than the stored timestamp, so a client syncing on ``timestamp`` sees the edit.
    return max(int(time.time()), (row.timestamp or 0) + 1)


def _resolve_candidate(s: Session, event_id: str, now: int) -> None:
    candidate = s.get(CandidateRow, event_id)
    if candidate is not None and candidate.resolved_at is None:
        candidate.resolved_at = now


def _publishable(event: Event) -> str | None:
    """Why the record cannot be a certain event, or None."""
    if event.event_date is None:
        return "it has no event date"
    if event.latitude is None or event.longitude is None:
        return "it has no location: place it first"
    return None


_FATALITY_RANGE = ("fatalities_low", "fatalities_best", "fatalities_high")


def _apply(row: EventRow, event: Event) -> list[str]:
    before = {name: getattr(row, name) for name in EDITABLE + ("status", "event_type", "reason", "place_id")
              + _FATALITY_RANGE}
    for name, value in _row_values(event).items():
        if name != "event_id_cnty":
            setattr(row, name, value)
    return sorted(n for n, v in before.items() if getattr(row, n) != v)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def confirm(store: Store, event_id: str, *, analyst: str = "analyst", note: str = "") -> Event:
    """An analyst vouches for the record: a candidate becomes an event (if dated and placed), and is
    then merged with a stored event of the same incident, if any (the returned record's id says)."""
    with store.session() as s, s.begin():
        row = _load(s, event_id)
        event = event_from_row(row)
        why = _publishable(event)
        if why:
            raise ReviewError(f"cannot confirm {event_id}: {why}")
        now = _now(s, row)
        promoted = event.status == "candidate"
        event = event.model_copy(update={"status": "event", "reason": "", "timestamp": now})
        changed = _apply(row, event)
        _resolve_candidate(s, event_id, now)
        s.add(AuditRow(at=now, action="confirm", event_id_cnty=event_id,
                       detail={"analyst": analyst, "note": note, "changed": changed}))
        return event_from_row(_dedupe(store, s, row, now, analyst) if promoted else row)


def reject(store: Store, event_id: str, *, analyst: str = "analyst", note: str = "") -> dict[str, Any]:
    """Withdraw the record: a published deletion; the whole record and its reports are kept in the
    audit entry, the articles stay stored (re-ingesting them changes nothing)."""
    with store.session() as s, s.begin():
        row = _load(s, event_id)
        now = _now(s, row)
        record = event_from_row(row).to_json_dict()
        reports = [{"article_id": r.article_id, "event_index": r.event_index} for r in
                   s.scalars(select(EventSourceRow).where(EventSourceRow.event_id_cnty == event_id))]
        s.execute(delete(EventSourceRow).where(EventSourceRow.event_id_cnty == event_id))
        s.execute(delete(CandidateRow).where(CandidateRow.event_id_cnty == event_id))
        s.flush()
        s.delete(row)
        reason = f"rejected by analyst{': ' + note if note else ''}"
        s.add(DeletionRow(event_id_cnty=event_id, deleted_at=now, reason=reason, merged_into=None))
        s.add(AuditRow(at=now, action="reject", event_id_cnty=event_id,
                       detail={"analyst": analyst, "note": note, "record": record, "reports": reports}))
        return {"event_id_cnty": event_id, "deleted_at": now, "reason": reason}


def edit(store: Store, event_id: str, changes: dict[str, Any], *, analyst: str = "analyst", note: str = "") -> Event:
    """Change fields by hand (``EDITABLE``); the record is validated as a whole (an invalid value
    raises ``ReviewError`` with status 422) and derived fields follow (event type, year)."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ReviewError(f"fields cannot be edited: {', '.join(unknown)}", 422)
    if not changes:
        raise ReviewError("nothing to change", 422)
    with store.session() as s, s.begin():
        row = _load(s, event_id)
        current = event_from_row(row)
        data = current.model_dump(mode="python")
        data.update(changes)
        try:
            event = Event.model_validate(data)
        except ValidationError as exc:
            raise ReviewError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()), 422) from exc
        derived: dict[str, Any] = {"event_type": SUB_EVENT_TO_TYPE[event.sub_event_type]}
        derived["disorder_type"] = (_DISORDER.get(derived["event_type"], event.disorder_type)
                                    if event.sub_event_type != current.sub_event_type else event.disorder_type)
        derived["year"] = event.event_date.year if event.event_date else None
        recorded = list(changes)
        if "fatalities" in changes:
            # The analyst's count replaces the reports' range (fatalities is its low end, as the
            # extractor and the merge rule keep it): low = best = high, never a range it is outside.
            derived.update(dict.fromkeys(_FATALITY_RANGE, event.fatalities))
            recorded += _FATALITY_RANGE
        now = _now(s, row)
        derived["timestamp"] = now
        event = event.model_copy(update=derived)
        before = {k: _jsonable(getattr(current, k)) for k in recorded}
        changed = _apply(row, event)
        after = {k: _jsonable(getattr(event, k)) for k in recorded}
        s.add(AuditRow(at=now, action="edit", event_id_cnty=event_id,
                       detail={"analyst": analyst, "note": note, "changed": changed, "before": before, "after": after}))
        return event_from_row(row)


def place(store: Store, event_id: str, place: Any, *, analyst: str = "analyst", note: str = "") -> Event:
    """Place the event at a gazetteer entry (``rasd.gazetteer.Place``); an unlocated candidate
    that has a date becomes an event (and is deduplicated)."""
    precise = place.kind in ("locality", "neighbourhood", "feature")
    update: dict[str, Any] = {
        "country": place.country_name, "iso": place.iso_numeric, "admin1": place.admin1,
        "admin2": place.admin2, "admin3": place.admin3, "location": place.name,
        "latitude": round(place.lat, 4), "longitude": round(place.lon, 4), "place_id": place.id,
        "geo_precision": 1 if precise else (2 if place.kind in ("district", "subdistrict") else 3),
        "where_prec": 1 if precise else {"subdistrict": 3, "district": 3, "governorate": 4}.get(place.kind, 4),
    }
    return _complete(store, event_id, update, action="place", detail={"place_id": place.id, "place": place.name},
                     analyst=analyst, note=note)


def set_date(store: Store, event_id: str, date: dt.date, *, time_precision: int = 1, analyst: str = "analyst",
             note: str = "") -> Event:
    """Give the event its date (ACLED's time precision: 1 the day, 2 the week, 3 the month is
    known); an undated candidate that has a place becomes an event (and is deduplicated)."""
    if time_precision not in (1, 2, 3):
        raise ReviewError(f"time precision must be 1, 2 or 3, not {time_precision}", 422)
    update = {"event_date": date, "year": date.year, "time_precision": time_precision, "date_prec": time_precision}
    return _complete(store, event_id, update, action="date", detail={"date": date.isoformat()},
                     analyst=analyst, note=note)


def _complete(store: Store, event_id: str, update: dict[str, Any], *, action: str, detail: dict[str, Any],
              analyst: str, note: str) -> Event:
    """Fill in what a record lacked (its place, its date): a candidate that then has both becomes
    an event and is deduplicated; one that still lacks something stays in the queue, its reason
    saying what it still lacks."""
    with store.session() as s, s.begin():
        row = _load(s, event_id)
        current = event_from_row(row)
        now = _now(s, row)
        event = current.model_copy(update={**update, "timestamp": now})
        promoted = current.status == "candidate" and _publishable(event) is None
        if promoted:
            event = event.model_copy(update={"status": "event", "reason": ""})
        elif current.status == "candidate" and current.reason in _MISSING:
            event = event.model_copy(update={"reason": "undated" if event.event_date is None else "unlocated"})
        changed = _apply(row, event)
        candidate = s.get(CandidateRow, event_id)
        if promoted:
            _resolve_candidate(s, event_id, now)
        elif candidate is not None and candidate.reason in _MISSING:
            candidate.reason = event.reason
        s.add(AuditRow(at=now, action=action, event_id_cnty=event_id,
                       detail={"analyst": analyst, "note": note, **detail, "changed": changed}))
        return event_from_row(_dedupe(store, s, row, now, analyst) if promoted else row)


_MISSING = ("unlocated", "undated")  # the queue's reasons that placing and dating resolve


def _dedupe(store: Store, s: Session, row: EventRow, now: int, analyst: str) -> EventRow:
    """A candidate just became an event: merge it with the stored events of the same incident, as
    ingest merges a new report (the store's own matching; the oldest id is kept, the others are
    withdrawn into it). A candidate has one report, and events of its article are not matched (the
    extractor split them on purpose). Returns the row that now holds the record."""
    s.flush()
    article_id = s.scalar(select(EventSourceRow.article_id).where(EventSourceRow.event_id_cnty == row.event_id_cnty)
                          .order_by(EventSourceRow.id).limit(1))
    matches = [m for m in store._matches(s, event_from_row(row), article_id or "")
               if m.event_id_cnty != row.event_id_cnty]
    if not matches:
        return row
    # the report joins the oldest match, and others only when they are one incident with it (may_join)
    first, *rest = matches
    first_event, first_reports = event_from_row(first), store.reports_of(s, first.event_id_cnty)
    matches = [first, *(m for m in rest if incidents_may_join(first_event, first_reports, event_from_row(m),
                                                              store.reports_of(s, m.event_id_cnty)))]
    kept, *others = sorted([row, *matches], key=lambda r: _sequence_number(r.event_id_cnty))
    now = max(now, (kept.timestamp or 0) + 1)
    merged = event_from_row(kept)
    for other in others:
        merged = merge_events(merged, event_from_row(other), now)
        withdraw_into(s, other, kept, now, article_id)
    changed = _apply(kept, merged)
    s.add(AuditRow(at=now, action="merge", event_id_cnty=kept.event_id_cnty, article_id=article_id,
                   detail={"analyst": analyst, "promoted": row.event_id_cnty, "changed": changed,
                           "withdrawn": [o.event_id_cnty for o in others]}))
    return kept


def pending(store: Store, *, reason: str | None = None, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
    """The review queue: candidates not yet resolved, oldest first (then by id), each with what an
    analyst needs to decide, and how many there are in all (of that reason)."""
    query = (select(CandidateRow, EventRow).join(EventRow, EventRow.event_id_cnty == CandidateRow.event_id_cnty)
             .where(CandidateRow.resolved_at.is_(None)))
    if reason:
        query = query.where(CandidateRow.reason == reason)
    total_query = select(func.count()).select_from(query.subquery())
    query = query.order_by(CandidateRow.created_at, func.length(EventRow.event_id_cnty), EventRow.event_id_cnty)
    with store.session() as s:
        total = s.scalar(total_query) or 0
        rows = s.execute(query.limit(limit)).all()
    out = []
    for candidate, row in rows:
        out.append({"event_id_cnty": row.event_id_cnty, "reason": candidate.reason, "created_at": candidate.created_at,
                    "event_date": _jsonable(row.event_date), "time_precision": row.time_precision,
                    "event_type": row.event_type, "sub_event_type": row.sub_event_type, "actor1": row.actor1,
                    "actor2": row.actor2, "country": row.country, "admin1": row.admin1, "location": row.location,
                    "location_ar": row.location_ar, "fatalities": row.fatalities, "source": row.source,
                    "doc_id": row.doc_id, "source_sentence": row.source_sentence})
    return out, total
