"""Simplified admin boundaries for the page's offline base map, derived at request time.

Syria's governorates and districts come from Who's On First (``wof_sy_admin.geojson``), Iraq's
governorates from the COD-AB (``cod_ab_iraq/irq_admbnda_adm1_cso_20190603.geojson``), both in
``$RASD_SHARED/data/gazetteer``. Coordinates are snapped to a grid (0.01 degree, about 1 km) and
repeated points dropped, which keeps the shapes at map scale in a few hundred kilobytes. Without
the shared data, the governorates of rasd's own table are served as points, so the page is never
blank.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

GRID = 0.01


def shared_dir() -> Path:
    root = Path(__file__).resolve().parents[3]
    value = os.environ.get("RASD_SHARED")
    path = Path(value) if value else root.parent / "shared"
    return path if path.is_absolute() else (root / path).resolve()


def _ring(ring: list[list[float]]) -> list[list[float]] | None:
    out: list[list[float]] = []
    for x, y, *_ in ring:
        point = [round(round(x / GRID) * GRID, 2), round(round(y / GRID) * GRID, 2)]
        if not out or out[-1] != point:
            out.append(point)
    if len(out) < 4:
        return None
    if out[0] != out[-1]:
        out.append(out[0])
    return out


def _polygon(rings: list[list[list[float]]]) -> list[list[list[float]]] | None:
    outer = _ring(rings[0]) if rings else None
    if outer is None:
        return None
    return [outer, *(r for r in (_ring(h) for h in rings[1:]) if r)]


def simplify(geometry: dict[str, Any]) -> dict[str, Any] | None:
    if geometry["type"] == "Polygon":
        poly = _polygon(geometry["coordinates"])
        return {"type": "Polygon", "coordinates": poly} if poly else None
    if geometry["type"] == "MultiPolygon":
        polys = [p for p in (_polygon(rings) for rings in geometry["coordinates"]) if p]
        return {"type": "MultiPolygon", "coordinates": polys} if polys else None
    return None


def _features(path: Path, level_of: Any, name_of: Any, name_ar_of: Any, country: str) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for feature in data.get("features", []):
        props = feature.get("properties") or {}
        level = level_of(props)
        if level is None or not feature.get("geometry"):
            continue
        geometry = simplify(feature["geometry"])
        if geometry:
            out.append({"type": "Feature", "geometry": geometry,
                        "properties": {"name": name_of(props), "name_ar": name_ar_of(props), "level": level,
                                       "country": country}})
    return out


@functools.lru_cache(maxsize=1)
def boundaries_geojson() -> str:
    gazetteer = shared_dir() / "data" / "gazetteer"
    features = _features(gazetteer / "wof_sy_admin.geojson",
                         lambda p: {"region": "admin1", "county": "admin2", "country": "country"}.get(p.get("placetype")),
                         lambda p: p.get("name", ""), lambda p: p.get("name_ar", ""), "Syria")
    features += _features(gazetteer / "cod_ab_iraq" / "irq_admbnda_adm1_cso_20190603.geojson",
                          lambda p: "admin1", lambda p: p.get("ADM1_EN", ""), lambda p: p.get("ADM1_AR", ""), "Iraq")
    if not features:
        from rasd.gazetteer import fallback_gazetteer

        features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(p.lon, 3), round(p.lat, 3)]},
                     "properties": {"name": p.name, "name_ar": p.name_ar, "level": "admin1", "country": p.country_name}}
                    for p in fallback_gazetteer().places if p.kind == "governorate"]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))
