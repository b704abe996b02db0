"""The analysts' HTTP API and page: thin FastAPI routes over the store's queries and review writes.

    GET  /api/events                 filtered, paged events (JSON, CSV or GeoJSON)
    GET  /api/events/{event_id_cnty} one event with all its sources and evidence spans
    GET  /api/deleted?since=         event ids withdrawn (merged or rejected)
    GET  /api/stats                  counts and fatalities by week, type, admin1, actor
    GET  /api/health                 the database answers
    GET  /api/boundaries             simplified admin boundaries (the offline base map)
    GET  /api/gazetteer?q=           gazetteer entries, to place a candidate
    POST /api/events/{id}/confirm | /reject | /place,  PATCH /api/events/{id}   (token)
    GET  /                           the page; /docs the OpenAPI documentation

Errors are ``{"status": N, "error": {"message": ..., "parameter": ...}}``. Writes need
``Authorization: Bearer $RASD_TOKEN`` (or ``X-Rasd-Token``); without a token configured, review
is disabled and every write is 401.
"""

from __future__ import annotations

import datetime as dt
import hmac
import io
import json
import os
import threading
from importlib import resources
from typing import Any

from fastapi import Body, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from rasd.schema import ACLED_COLUMNS, EVENT_TYPES, SUB_EVENT_TO_TYPE
from rasd.store import Store
from rasd.store import queries, review
from rasd.store.queries import parse_since
from rasd.store.export import COLUMNS, flat_row, write_csv_rows, write_geojson_rows

MAX_LIMIT = 5000
DEFAULT_LIMIT = 500
DEFAULT_FIELDS: tuple[str, ...] = (*ACLED_COLUMNS, "status", "reason", "location_ar", "where_prec", "date_prec")
FORMATS = ("json", "csv", "geojson")


class ApiError(Exception):
    def __init__(self, status: int, message: str, parameter: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.parameter = status, message, parameter


def _error(status: int, message: str, parameter: str | None = None) -> JSONResponse:
    error: dict[str, Any] = {"message": message}
    if parameter:
        error["parameter"] = parameter
    return JSONResponse({"status": status, "success": False, "error": error}, status_code=status)


# -- parameter parsing (each failure is a 422 naming the parameter) ----------------------------------
def _date(value: str | None, name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, f"{name} must be a date YYYY-MM-DD, not {value!r}", name) from None


def _since(value: str | None, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return parse_since(value)
    except ValueError:
        raise ApiError(422, f"{name} must be Unix seconds or an ISO date/time, not {value!r}", name) from None


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if not value:
        return None
    try:
        west, south, east, north = (float(v) for v in value.split(","))
    except ValueError:
        raise ApiError(422, "bbox must be west,south,east,north in degrees", "bbox") from None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise ApiError(422, "bbox must be west,south,east,north with west <= east and south <= north", "bbox")
    return west, south, east, north


def _fields(value: str | None) -> tuple[str, ...]:
    if not value:
        return DEFAULT_FIELDS
    if value == "all":
        return COLUMNS
    names = tuple(f.strip() for f in value.replace("|", ",").split(",") if f.strip())
    unknown = [n for n in names if n not in COLUMNS]
    if unknown or not names:
        raise ApiError(422, f"fields: unknown column(s) {', '.join(unknown) or '(none given)'}; "
                       f"choose among {', '.join(COLUMNS)}", "fields")
    return names


def _choice(value: str | None, allowed: Any, name: str) -> str | None:
    if value in (None, ""):
        return None
    if value not in allowed:
        raise ApiError(422, f"{name} must be one of: {', '.join(allowed)}; not {value!r}", name)
    return value


def build_query(*, event_date: str | None = None, event_date_from: str | None = None,
                event_date_to: str | None = None, country: str | None = None, iso: int | None = None,
                admin1: str | None = None, admin2: str | None = None, event_type: str | None = None,
                sub_event_type: str | None = None, actor: str | None = None, interaction: str | None = None,
                fatalities: int | None = None, bbox: str | None = None, timestamp: str | None = None,
                status: str | None = "event") -> queries.EventQuery:
    date_from, date_to = _date(event_date_from, "event_date_from"), _date(event_date_to, "event_date_to")
    if event_date:
        # ACLED's form: one date, or "FROM|TO"
        parts = event_date.split("|")
        if len(parts) > 2:
            raise ApiError(422, "event_date must be YYYY-MM-DD or YYYY-MM-DD|YYYY-MM-DD", "event_date")
        date_from = _date(parts[0], "event_date") or date_from
        date_to = _date(parts[-1], "event_date") or date_to
    if date_from and date_to and date_from > date_to:
        raise ApiError(422, "event_date range is empty: the start is after the end", "event_date_from")
    if status == "all":
        status = None
    else:
        status = _choice(status, queries.STATUSES + ("all",), "status") or "event"
    if fatalities is not None and fatalities < 0:
        raise ApiError(422, "fatalities is a minimum and cannot be negative", "fatalities")
    return queries.EventQuery(
        date_from=date_from, date_to=date_to, country=country or None, iso=iso, admin1=admin1 or None,
        admin2=admin2 or None, event_type=_choice(event_type, tuple(EVENT_TYPES), "event_type"),
        sub_event_type=_choice(sub_event_type, tuple(SUB_EVENT_TO_TYPE), "sub_event_type"),
        actor=actor or None, interaction=interaction or None, fatalities_min=fatalities, bbox=_bbox(bbox),
        since=_since(timestamp, "timestamp"), status=status)


def _cursor(value: str | None, page: int, q: queries.EventQuery) -> queries.Cursor | None:
    if not value:
        return None
    if page != 1:
        raise ApiError(422, "cursor and page cannot be combined: a cursor says where the next page starts", "cursor")
    try:
        cursor = queries.Cursor.decode(value)
    except ValueError:
        raise ApiError(422, "cursor is not one this API returned (next_cursor)", "cursor") from None
    if cursor.order != ("timestamp" if q.since is not None else "date"):
        raise ApiError(422, "cursor comes from pages in another order (with or without timestamp)", "cursor")
    return cursor


def _next_url(request: Request, next_cursor: str | None) -> str | None:
    """The same request for the next page: cursor set, page dropped (path and query only)."""
    if not next_cursor:
        return None
    url = request.url.remove_query_params("page").include_query_params(cursor=next_cursor)
    return f"{url.path}?{url.query}"


def _shape(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    """A stored row in the JSON form of ``Event.to_json_dict`` (evidence spans, explain as objects)."""
    if "evidence" in row and row["evidence"] is None:
        row["evidence"] = {}
    if "explain" in row and row["explain"] is None:
        row["explain"] = {}
    return row


class _StatsCache:
    """/api/stats for the same filters is recomputed only when the dataset changed."""

    def __init__(self, size: int = 64) -> None:
        self.size, self.items, self.lock = size, {}, threading.Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            return self.items.get(key)

    def put(self, key: Any, value: Any) -> None:
        with self.lock:
            if len(self.items) >= self.size:
                self.items.pop(next(iter(self.items)))
            self.items[key] = value


class _Places:
    """The gazetteer, loaded on first use (the full TSV takes seconds), with an id index."""

    def __init__(self, path: str | None) -> None:
        self.path, self.lock, self._g, self._by_id = path, threading.Lock(), None, None

    def gazetteer(self):  # type: ignore[no-untyped-def]
        with self.lock:
            if self._g is None:
                from rasd.gazetteer import get_gazetteer

                self._g = get_gazetteer(self.path)
                self._by_id = {p.id: p for p in self._g.places}
            return self._g

    def by_id(self, place_id: str):  # type: ignore[no-untyped-def]
        self.gazetteer()
        return self._by_id.get(place_id) if self._by_id else None

    def search(self, q: str, limit: int) -> list[Any]:
        g = self.gazetteer()
        if any("\u0600" <= ch <= "\u06ff" for ch in q):
            found = g.lookup(q)
        else:
            needle = q.lower()
            found = [p for p in g.places if needle in p.name.lower()]
            found.sort(key=lambda p: (p.name.lower() != needle, not p.name.lower().startswith(needle), -p.population))
        return found[:limit]


def _place_json(p: Any) -> dict[str, Any]:
    return {"place_id": p.id, "name": p.name, "name_ar": p.name_ar, "kind": p.kind, "country": p.country_name,
            "admin1": p.admin1, "admin2": p.admin2, "admin3": p.admin3, "latitude": round(p.lat, 4),
            "longitude": round(p.lon, 4), "population": p.population}


def static_dir() -> Any:
    return resources.files("rasd.serve") / "static"


def create_app(store: Store, *, token: str | None = None, gazetteer: str | None = None) -> FastAPI:
    """The application over an open store. ``token`` defaults to ``$RASD_TOKEN``."""
    token = token if token is not None else os.environ.get("RASD_TOKEN", "")
    app = FastAPI(title="rasd analysts' API", version="1",
                  description="ACLED-model events coded from Arabic news, with the Arabic evidence of every field.")
    app.state.store = store
    stats_cache = _StatsCache()
    places = _Places(gazetteer)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.message, exc.parameter)

    @app.exception_handler(review.ReviewError)
    async def _review_error(_request: Request, exc: review.ReviewError) -> JSONResponse:
        return _error(exc.status, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        loc = [str(part) for part in first.get("loc", ()) if part not in ("query", "path", "body", "header")]
        parameter = ".".join(loc) or None
        return _error(422, f"invalid parameter {parameter}: {first.get('msg')}" if parameter else first.get("msg", ""),
                      parameter)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        return _error(exc.status_code, "not found" if exc.status_code == 404 and message == "Not Found" else message)

    @app.exception_handler(Exception)
    async def _internal_error(_request: Request, exc: Exception) -> JSONResponse:
        return _error(500, f"internal error: {type(exc).__name__}")

    def require_token(authorization: str | None, x_rasd_token: str | None) -> None:
        if not token:
            raise ApiError(401, "review is disabled: start rasd serve with RASD_TOKEN set")
        given = x_rasd_token or ""
        if authorization and authorization.lower().startswith("bearer "):
            given = authorization[7:].strip()
        if not given or not hmac.compare_digest(given.encode(), token.encode()):
            raise ApiError(401, "a valid token is needed to write (Authorization: Bearer TOKEN)")

    # -- reads ---------------------------------------------------------------------------------
    @app.get("/api/events", summary="Events, filtered as ACLED's API filters them")
    def list_events(
        request: Request,
        event_date: str | None = Query(None, description="YYYY-MM-DD or FROM|TO (ACLED's form)"),
        event_date_from: str | None = Query(None, description="Events on or after (YYYY-MM-DD)"),
        event_date_to: str | None = Query(None, description="Events on or before (YYYY-MM-DD)"),
        country: str | None = None, iso: int | None = Query(None, description="ISO 3166 numeric, e.g. 760"),
        admin1: str | None = None, admin2: str | None = None,
        event_type: str | None = None, sub_event_type: str | None = None,
        actor: str | None = Query(None, description="Text matched in actor1, actor2 and the associated actors"),
        interaction: str | None = None,
        fatalities: int | None = Query(None, description="Minimum fatalities"),
        bbox: str | None = Query(None, description="west,south,east,north"),
        timestamp: str | None = Query(None, description="Only records added or changed since (Unix seconds or ISO time)"),
        status: str = Query("event", description="event, candidate or all"),
        limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}"),
        page: int = Query(1, ge=1, le=1_000_000, description="Page number (offset paging; see cursor)"),
        cursor: str | None = Query(None, description="Keyset paging: the next_cursor of the previous page "
                                                      "(as fast deep as on the first page; not with page)"),
        fields: str | None = Query(None, description="Columns, comma-separated (or 'all')"),
        format: str = Query("json", description="json, csv or geojson"),
    ) -> Response:
        fmt = _choice(format, FORMATS, "format") or "json"
        columns = _fields(fields)
        q = build_query(event_date=event_date, event_date_from=event_date_from, event_date_to=event_date_to,
                        country=country, iso=iso, admin1=admin1, admin2=admin2, event_type=event_type,
                        sub_event_type=sub_event_type, actor=actor, interaction=interaction, fatalities=fatalities,
                        bbox=bbox, timestamp=timestamp, status=status)
        after = _cursor(cursor, page, q)
        # GeoJSON needs the id and coordinates for its geometry whatever the chosen properties.
        extra = ("event_id_cnty", "latitude", "longitude") if fmt == "geojson" else ()
        result = queries.event_page(store, q, columns, limit=limit, offset=(page - 1) * limit, cursor=after,
                                    extra=extra)
        rows = [_shape(r, columns) for r in result.rows]
        next_url = _next_url(request, result.next_cursor)
        if fmt == "json":
            return JSONResponse({"status": 200, "success": True, "count": len(rows), "page": page, "limit": limit,
                                 "has_more": result.has_more, "next_cursor": result.next_cursor, "next": next_url,
                                 "data": rows})
        headers = {"X-Has-More": str(result.has_more).lower()}
        if result.next_cursor:
            headers.update({"X-Next-Cursor": result.next_cursor, "Link": f'<{next_url}>; rel="next"'})
        out = io.StringIO()
        if fmt == "csv":
            write_csv_rows((flat_row(r) for r in rows), out, columns)
            return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
        write_geojson_rows((flat_row(r) for r in rows), out, columns)
        return Response(out.getvalue(), media_type="application/geo+json", headers=headers)

    @app.get("/api/events/{event_id_cnty}", summary="One event with all its sources and evidence")
    def get_event(event_id_cnty: str) -> JSONResponse:
        detail = queries.event_detail(store, event_id_cnty)
        if detail is None:
            raise ApiError(404, f"no event {event_id_cnty!r} (it may have been deleted: see /api/deleted)",
                           "event_id_cnty")
        return JSONResponse({"status": 200, "success": True, "data": detail.event.to_json_dict(),
                             "sources": detail.sources, "candidate": detail.candidate, "history": detail.history})

    @app.get("/api/deleted", summary="Event ids withdrawn since a time (merged as duplicates, or rejected)")
    def deleted(since: str | None = Query(None, description="Unix seconds or ISO date/time"),
                limit: int = Query(MAX_LIMIT, ge=1, le=100_000)) -> JSONResponse:
        rows = queries.deletions_since(store, _since(since, "since"), limit=limit)
        return JSONResponse({"status": 200, "success": True, "count": len(rows), "data": rows})

    @app.get("/api/stats", summary="Counts and fatalities by week, type, admin1 and actor; latest week vs 4-week average")
    def stats(
        event_date_from: str | None = None, event_date_to: str | None = None, country: str | None = None,
        iso: int | None = None, admin1: str | None = None, admin2: str | None = None, event_type: str | None = None,
        sub_event_type: str | None = None, actor: str | None = None, interaction: str | None = None,
        fatalities: int | None = None, bbox: str | None = None, status: str = "event",
        top: int = Query(20, ge=1, le=500, description="How many actors"),
    ) -> JSONResponse:
        q = build_query(event_date_from=event_date_from, event_date_to=event_date_to, country=country, iso=iso,
                        admin1=admin1, admin2=admin2, event_type=event_type, sub_event_type=sub_event_type,
                        actor=actor, interaction=interaction, fatalities=fatalities, bbox=bbox, status=status)
        key = (repr(q), top, queries.data_version(store))
        data = stats_cache.get(key)
        if data is None:
            data = queries.event_stats(store, q, top=top)
            stats_cache.put(key, data)
        return JSONResponse({"status": 200, "success": True, "data": data})

    @app.get("/api/health", summary="Liveness: the database answers")
    def health() -> JSONResponse:
        try:
            counts = queries.count_events(store, queries.EventQuery(status=None))
        except Exception as exc:
            return _error(503, f"database unavailable: {type(exc).__name__}")
        return JSONResponse({"status": 200, "success": True, "database": store.backend, "events": counts,
                             "review": bool(token)})

    @app.get("/api/boundaries", summary="Simplified admin boundaries of Syria and Iraq (offline base map)")
    def boundaries() -> Response:
        from rasd.serve.boundaries import boundaries_geojson

        return Response(boundaries_geojson(), media_type="application/geo+json",
                        headers={"Cache-Control": "max-age=86400"})

    @app.get("/api/gazetteer", summary="Gazetteer entries by name (Arabic exact, or Latin substring)")
    def gazetteer_lookup(q: str = Query(..., min_length=1, max_length=200),
                         limit: int = Query(20, ge=1, le=200)) -> JSONResponse:
        found = places.search(q, limit)
        return JSONResponse({"status": 200, "success": True, "count": len(found),
                             "data": [_place_json(p) for p in found]})

    # -- review writes (token) -------------------------------------------------------------------
    def _write_args(payload: dict[str, Any] | None) -> tuple[str, str]:
        payload = payload or {}
        return str(payload.get("analyst") or "analyst")[:100], str(payload.get("note") or "")[:2000]

    @app.post("/api/events/{event_id_cnty}/confirm", summary="Confirm an event (a placed, dated candidate becomes an event)")
    def confirm_event(event_id_cnty: str, payload: dict[str, Any] | None = Body(None),
                      authorization: str | None = Header(None), x_rasd_token: str | None = Header(None)) -> JSONResponse:
        require_token(authorization, x_rasd_token)
        analyst, note = _write_args(payload)
        event = review.confirm(store, event_id_cnty, analyst=analyst, note=note)
        return JSONResponse({"status": 200, "success": True, "data": event.to_json_dict()})

    @app.post("/api/events/{event_id_cnty}/reject", summary="Reject an event: it is deleted (a published deletion)")
    def reject_event(event_id_cnty: str, payload: dict[str, Any] | None = Body(None),
                     authorization: str | None = Header(None), x_rasd_token: str | None = Header(None)) -> JSONResponse:
        require_token(authorization, x_rasd_token)
        analyst, note = _write_args(payload)
        return JSONResponse({"status": 200, "success": True,
                             "data": review.reject(store, event_id_cnty, analyst=analyst, note=note)})

    @app.patch("/api/events/{event_id_cnty}", summary=f"Edit fields: {', '.join(review.EDITABLE)}")
    def edit_event(event_id_cnty: str, payload: dict[str, Any] = Body(..., examples=[{"changes": {"fatalities": 3}}]),
                   authorization: str | None = Header(None), x_rasd_token: str | None = Header(None)) -> JSONResponse:
        require_token(authorization, x_rasd_token)
        changes = payload.get("changes")
        if not isinstance(changes, dict):
            raise ApiError(422, "the body must be {\"changes\": {field: value, ...}}", "changes")
        analyst, note = _write_args(payload)
        event = review.edit(store, event_id_cnty, changes, analyst=analyst, note=note)
        return JSONResponse({"status": 200, "success": True, "data": event.to_json_dict()})

    @app.post("/api/events/{event_id_cnty}/place", summary="Place an event at a gazetteer entry")
    def place_event(event_id_cnty: str, payload: dict[str, Any] = Body(..., examples=[{"place_id": "..."}]),
                    authorization: str | None = Header(None), x_rasd_token: str | None = Header(None)) -> JSONResponse:
        require_token(authorization, x_rasd_token)
        place_id = payload.get("place_id")
        if not isinstance(place_id, str) or not place_id:
            raise ApiError(422, "place_id is required (from /api/gazetteer)", "place_id")
        place = places.by_id(place_id)
        if place is None:
            raise ApiError(422, f"no gazetteer entry {place_id!r}", "place_id")
        analyst, note = _write_args(payload)
        event = review.place(store, event_id_cnty, place, analyst=analyst, note=note)
        return JSONResponse({"status": 200, "success": True, "data": event.to_json_dict()})

    # -- the page ----------------------------------------------------------------------------------
    static = static_dir()

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(str(static / "index.html"), media_type="text/html; charset=utf-8")

    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    return app
