"""Analysts' writes to the living dataset: confirm, reject, edit, and place a candidate.

Every write keeps the event's id, gives it a new ``timestamp`` (so ``timestamp`` sync picks it
up), appends an ``audit_log`` entry with who did what (and the values before and after), and a
rejection is published as a deletion, exactly as a merge is. One transaction per write.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from rasd.schema import SUB_EVENT_TO_TYPE, Event
from rasd.store.models import AuditRow, CandidateRow, DeletionRow, EventRow, EventSourceRow
from rasd.store.repository import Store, _row_values, event_from_row

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
    """An analyst vouches for the record: a candidate becomes an event (if dated and placed)."""
    with store.session() as s, s.begin():
        row = _load(s, event_id)
        event = event_from_row(row)
        why = _publishable(event)
        if why:
            raise ReviewError(f"cannot confirm {event_id}: {why}")
        now = _now(s, row)
        event = event.model_copy(update={"status": "event", "reason": "", "timestamp": now})
        changed = _apply(row, event)
        _resolve_candidate(s, event_id, now)
        s.add(AuditRow(at=now, action="confirm", event_id_cnty=event_id,
                       detail={"analyst": analyst, "note": note, "changed": changed}))
        return event_from_row(row)


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
    that has a date becomes an event."""
    with store.session() as s, s.begin():
        row = _load(s, event_id)
        current = event_from_row(row)
        now = _now(s, row)
        precise = place.kind in ("locality", "neighbourhood", "feature")
        update: dict[str, Any] = {
            "country": place.country_name, "iso": place.iso_numeric, "admin1": place.admin1,
            "admin2": place.admin2, "admin3": place.admin3, "location": place.name,
            "latitude": round(place.lat, 4), "longitude": round(place.lon, 4), "place_id": place.id,
            "geo_precision": 1 if precise else (2 if place.kind in ("district", "subdistrict") else 3),
            "where_prec": 1 if precise else {"subdistrict": 3, "district": 3, "governorate": 4}.get(place.kind, 4),
            "timestamp": now,
        }
        if current.status == "candidate" and current.event_date is not None:
            update.update(status="event", reason="")
        event = current.model_copy(update=update)
        changed = _apply(row, event)
        if event.status == "event":
            _resolve_candidate(s, event_id, now)
        s.add(AuditRow(at=now, action="place", event_id_cnty=event_id,
                       detail={"analyst": analyst, "note": note, "place_id": place.id, "place": place.name,
                               "changed": changed}))
        return event_from_row(row)
