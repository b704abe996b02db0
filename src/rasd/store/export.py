"""Writers for ``rasd export``: CSV, GeoJSON, JSON Lines, XLSX, Parquet.

Every format has the same columns in the same order: ACLED's 31 (``rasd.schema.ACLED_COLUMNS``),
then rasd's own (``RASD_COLUMNS``). Nested fields (evidence, explain) are JSON strings in the flat
formats. GeoJSON is a FeatureCollection of Points ([longitude, latitude], EPSG:4326); an event
without coordinates (a candidate, with ``--include-candidates``) has a null geometry, as RFC 7946
allows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from typing import IO, Any

from rasd.schema import ACLED_COLUMNS, RASD_COLUMNS, Event

COLUMNS: tuple[str, ...] = (*ACLED_COLUMNS, *RASD_COLUMNS)
TEXT_FORMATS = ("csv", "geojson", "jsonl")
BINARY_FORMATS = ("xlsx", "parquet")
FORMATS = (*TEXT_FORMATS, *BINARY_FORMATS)
_INT_COLUMNS = {"year", "time_precision", "iso", "geo_precision", "fatalities", "timestamp", "where_prec", "date_prec",
                "fatalities_low", "fatalities_best", "fatalities_high"}
_FLOAT_COLUMNS = {"latitude", "longitude"}


def flat_row(record: dict[str, Any]) -> dict[str, Any]:
    """A JSON record (``Event.to_json_dict``'s form, or the API's page rows) as ``to_flat_row``
    makes it: nested fields as JSON strings."""
    row = dict(record)
    for name in ("evidence", "explain"):
        if name in row:
            row[name] = json.dumps(row[name], ensure_ascii=False)
    return row


def write_csv(events: Iterable[Event], out: IO[str], columns: Sequence[str] = COLUMNS) -> int:
    """``columns``: a subset of ``COLUMNS`` (the API's ``fields=``), in the order given."""
    return write_csv_rows((event.to_flat_row() for event in events), out, columns)


def write_csv_rows(rows: Iterable[dict[str, Any]], out: IO[str], columns: Sequence[str] = COLUMNS) -> int:
    """CSV of flat rows (``flat_row``); columns not in ``columns`` are left out."""
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    n = 0
    for n, row in enumerate(rows, start=1):
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return n


def write_jsonl(events: Iterable[Event], out: IO[str]) -> int:
    n = 0
    for n, event in enumerate(events, start=1):
        out.write(json.dumps(event.to_json_dict(), ensure_ascii=False) + "\n")
    return n


def write_geojson(events: Iterable[Event], out: IO[str], columns: Sequence[str] = COLUMNS) -> int:
    """Streamed, so a large export never sits in memory; ``columns`` choose the properties."""
    return write_geojson_rows((event.to_flat_row() for event in events), out, columns)


def write_geojson_rows(rows: Iterable[dict[str, Any]], out: IO[str], columns: Sequence[str] = COLUMNS) -> int:
    """GeoJSON of flat rows, which carry ``event_id_cnty``, ``latitude`` and ``longitude`` even
    when ``columns`` (the properties) leave them out."""
    out.write('{"type": "FeatureCollection", "features": [\n')
    n = 0
    for row in rows:
        properties = {c: row[c] for c in columns}
        geometry: dict[str, Any] | None = None
        if row["latitude"] is not None and row["longitude"] is not None:
            geometry = {"type": "Point", "coordinates": [round(row["longitude"], 4), round(row["latitude"], 4)]}
        feature = {"type": "Feature", "id": row["event_id_cnty"], "geometry": geometry, "properties": properties}
        out.write((",\n" if n else "") + json.dumps(feature, ensure_ascii=False))
        n += 1
    out.write("\n]}\n")
    return n


def write_xlsx(events: Iterable[Event], path: str) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("events")
    sheet.append(list(COLUMNS))
    n = 0
    for n, event in enumerate(events, start=1):
        row = event.to_flat_row()
        sheet.append([_xlsx_cell(row[c]) for c in COLUMNS])
    workbook.save(path)
    return n


def _xlsx_cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        # Excel refuses control characters and caps a cell at 32,767 characters.
        return "".join(ch for ch in value if ch >= " " or ch in "\t\n")[:32_767]
    return value


def write_parquet(events: Iterable[Event], path: str) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def arrow_type(column: str) -> pa.DataType:
        if column == "event_date":
            return pa.date32()
        if column in _INT_COLUMNS:
            return pa.int64()
        if column in _FLOAT_COLUMNS:
            return pa.float64()
        return pa.string()

    schema = pa.schema([(c, arrow_type(c)) for c in COLUMNS])
    n = 0
    with pq.ParquetWriter(path, schema) as writer:
        chunk: list[dict[str, Any]] = []
        for event in events:
            row = event.to_flat_row()
            row["event_date"] = dt.date.fromisoformat(row["event_date"]) if row["event_date"] else None
            chunk.append(row)
            n += 1
            if len(chunk) >= 10_000:
                writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
                chunk = []
        if chunk or n == 0:
            writer.write_table(pa.Table.from_pylist(chunk, schema=schema))
    return n


TEXT_WRITERS: dict[str, Callable[[Iterable[Event], IO[str]], int]] = {
    "csv": write_csv, "geojson": write_geojson, "jsonl": write_jsonl,
}
FILE_WRITERS: dict[str, Callable[[Iterable[Event], str], int]] = {"xlsx": write_xlsx, "parquet": write_parquet}
