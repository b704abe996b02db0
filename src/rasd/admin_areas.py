"""Admin hierarchy by point-in-polygon: which governorate, district and sub-district a point lies in.

Used at gazetteer build time only (``rasd gazetteer build``), never while extracting, so that
shapely is needed to build an index but not to load one.

Sources, per country (see ``../shared/data/gazetteer/SOURCES.md``):
- Iraq: OCHA COD-AB polygons for governorates, districts and sub-districts (``cod_ab_iraq/``).
  A point takes the finest polygon it falls in and that polygon's own parents, so that the three
  levels always nest (the sub-district file is simplified and can disagree with the district file
  along borders).
- Syria: Who's On First governorate and district polygons (``wof_sy_admin.geojson``). No
  sub-district polygons exist in any open source we have, so a point's sub-district is the one,
  among those whose centroid (``opensyria/subdistricts.json``) lies in the point's district, with
  the nearest centroid. This is an approximation: near a sub-district border it can be wrong.

A point outside every polygon of its country (coastal villages rounded into the sea, border
crossings a few hundred metres over the line) takes the nearest polygon within
``NEAREST_TOLERANCE_DEG``; farther than that it gets no name at that level.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import shapely
from shapely import STRtree
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from rasd.gazetteer import admin1_table, canonical_admin1

# About 5 km at these latitudes: enough for rounding and simplified coastlines, not enough to
# move a place into a neighbouring district that is really farther away.
NEAREST_TOLERANCE_DEG = 0.05

IRAQ_ADM1 = "cod_ab_iraq/irq_admbnda_adm1_cso_20190603.geojson"
IRAQ_ADM2 = "cod_ab_iraq/irq_admbnda_adm2_cso_20190603.geojson"
IRAQ_ADM3 = "cod_ab_iraq/irq_admbnda_adm3_cso_20190603.geojson"
SYRIA_ADMIN = "wof_sy_admin.geojson"
SYRIA_SUBDISTRICTS = "opensyria/subdistricts.json"
ADMIN_SOURCE_FILES = (IRAQ_ADM1, IRAQ_ADM2, IRAQ_ADM3, SYRIA_ADMIN, SYRIA_SUBDISTRICTS)

# The UN Disengagement Observer Force zone is a WOF "region" but not a governorate: points in it
# take the nearest real governorate (Quneitra, in practice), as ACLED codes them.
_NOT_GOVERNORATES = frozenset({"United Nations Disengagement Observer Force"})


@dataclass(frozen=True, slots=True)
class AdminNames:
    """English admin names of a point; '' where unknown."""

    admin1: str = ""
    admin2: str = ""
    admin3: str = ""


@dataclass(frozen=True, slots=True)
class AreaNames:
    """The names a polygon (or sub-district centroid) carries for its own level and its parents."""

    admin1: str = ""
    admin2: str = ""
    admin3: str = ""


class PolygonLayer:
    """Polygons of one admin level, with an STRtree spatial index."""

    def __init__(self, geometries: Sequence[BaseGeometry], names: Sequence[AreaNames]) -> None:
        if len(geometries) != len(names):
            raise ValueError("one AreaNames per geometry")
        self.geometries = list(geometries)
        self.names = list(names)
        self.tree = STRtree(self.geometries)

    def __len__(self) -> int:
        return len(self.geometries)

    def locate(self, points: Sequence[BaseGeometry], tolerance: float = NEAREST_TOLERANCE_DEG) -> list[int | None]:
        """For each point, the index of the polygon it lies in (or the nearest within ``tolerance``)."""
        found: list[int | None] = [None] * len(points)
        if not points or not self.geometries:
            return found
        point_array = list(points)
        pairs = self.tree.query(point_array, predicate="intersects")
        for point_index, polygon_index in zip(pairs[0].tolist(), pairs[1].tolist()):
            # on a shared border a point touches two polygons: keep the first, deterministically
            if found[point_index] is None or polygon_index < found[point_index]:  # type: ignore[operator]
                found[point_index] = polygon_index
        missing = [i for i, hit in enumerate(found) if hit is None]
        if missing:
            near = self.tree.query_nearest([point_array[i] for i in missing], max_distance=tolerance, all_matches=False)
            for local_index, polygon_index in zip(near[0].tolist(), near[1].tolist()):
                found[missing[local_index]] = polygon_index
        return found


@dataclass
class CentroidLayer:
    """Areas known only by a centroid (Syrian sub-districts), grouped by the district they fall in."""

    names: list[str]
    lons: list[float]
    lats: list[float]
    by_district: dict[int, list[int]] = field(default_factory=dict)

    def nearest_in_district(self, district: int | None, lon: float, lat: float) -> str:
        if district is None:
            return ""
        members = self.by_district.get(district, [])
        if not members:
            return ""
        # equirectangular distance: exact enough to compare centroids a few km apart
        scale = math.cos(math.radians(lat))
        best = min(members, key=lambda i: ((self.lons[i] - lon) * scale) ** 2 + (self.lats[i] - lat) ** 2)
        return self.names[best]


@dataclass
class CountryAdmin:
    """The admin layers of one country; any of them may be missing."""

    adm1: PolygonLayer | None = None
    adm2: PolygonLayer | None = None
    adm3: PolygonLayer | None = None
    adm3_centroids: CentroidLayer | None = None

    def locate_many(self, coords: Sequence[tuple[float, float]]) -> list[AdminNames]:
        """Admin names for (lon, lat) pairs, finest level first so that the levels nest."""
        points = list(shapely.points([(lon, lat) for lon, lat in coords])) if coords else []
        hits3 = self.adm3.locate(points) if self.adm3 else [None] * len(points)
        hits2 = self.adm2.locate(points) if self.adm2 else [None] * len(points)
        hits1 = self.adm1.locate(points) if self.adm1 else [None] * len(points)
        result: list[AdminNames] = []
        for i, (lon, lat) in enumerate(coords):
            admin1 = self.adm1.names[hits1[i]].admin1 if self.adm1 and hits1[i] is not None else ""  # type: ignore[index]
            admin2 = admin3 = ""
            if self.adm3 is not None and hits3[i] is not None:
                area = self.adm3.names[hits3[i]]  # type: ignore[index]
                admin1, admin2, admin3 = area.admin1 or admin1, area.admin2, area.admin3
            elif self.adm2 is not None and hits2[i] is not None:
                area = self.adm2.names[hits2[i]]  # type: ignore[index]
                admin1 = admin1 or area.admin1
                admin2 = area.admin2
                if self.adm3_centroids is not None:
                    admin3 = self.adm3_centroids.nearest_in_district(hits2[i], lon, lat)
            result.append(AdminNames(admin1, admin2, admin3))
        return result


@dataclass
class AdminHierarchy:
    """Admin layers per ISO2 country code."""

    countries: dict[str, CountryAdmin] = field(default_factory=dict)

    def locate_many(self, country: str, coords: Sequence[tuple[float, float]]) -> list[AdminNames]:
        layers = self.countries.get(country)
        if layers is None:
            return [AdminNames() for _ in coords]
        return layers.locate_many(coords)

    def locate(self, country: str, lon: float, lat: float) -> AdminNames:
        return self.locate_many(country, [(lon, lat)])[0]

    def describe(self) -> dict[str, dict[str, int]]:
        """How many areas each layer holds (for the index manifest)."""
        out: dict[str, dict[str, int]] = {}
        for country, layers in self.countries.items():
            out[country] = {
                "adm1_polygons": len(layers.adm1) if layers.adm1 else 0,
                "adm2_polygons": len(layers.adm2) if layers.adm2 else 0,
                "adm3_polygons": len(layers.adm3) if layers.adm3 else 0,
                "adm3_centroids": len(layers.adm3_centroids.names) if layers.adm3_centroids else 0,
            }
        return out


# --- reading the shared files (the thin I/O shell) ---------------------------------------------

def governorate_name(*spellings: str) -> str:
    """rasd's canonical admin1 for the first spelling that is a known governorate ('' if none).

    OCHA and WOF spell governorates their own ways (Al-Muthanna, Days Az Zawr); the English
    spelling is tried first, then the Arabic one, which admin1.tsv knows for every governorate.
    """
    canonical = {row["name"] for row in admin1_table()}
    for spelling in spellings:
        name = canonical_admin1(spelling)
        if name in canonical:
            return name
    return ""


def _features(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text(encoding="utf-8"))["features"])


def _layer(features: Iterable[dict[str, Any]], names_of: Any) -> PolygonLayer:
    geometries: list[BaseGeometry] = []
    names: list[AreaNames] = []
    for feature in features:
        geometry = shape(feature["geometry"])
        if not geometry.is_valid:
            geometry = shapely.make_valid(geometry)
        geometries.append(geometry)
        names.append(names_of(feature["properties"]))
    return PolygonLayer(geometries, names)


def load_iraq(directory: Path) -> CountryAdmin:
    def names(props: dict[str, Any]) -> AreaNames:
        return AreaNames(
            admin1=governorate_name(props.get("ADM1_EN") or "", props.get("ADM1_AR") or ""),
            admin2=props.get("ADM2_EN") or "", admin3=props.get("ADM3_EN") or "",
        )

    layers = CountryAdmin()
    if (directory / IRAQ_ADM1).exists():
        layers.adm1 = _layer(_features(directory / IRAQ_ADM1), names)
    if (directory / IRAQ_ADM2).exists():
        layers.adm2 = _layer(_features(directory / IRAQ_ADM2), names)
    if (directory / IRAQ_ADM3).exists():
        layers.adm3 = _layer(_features(directory / IRAQ_ADM3), names)
    return layers


def load_syria(directory: Path) -> CountryAdmin:
    layers = CountryAdmin()
    if not (directory / SYRIA_ADMIN).exists():
        return layers
    features = _features(directory / SYRIA_ADMIN)
    regions = [f for f in features if f["properties"]["placetype"] == "region" and f["properties"]["name"] not in _NOT_GOVERNORATES]
    counties = [f for f in features if f["properties"]["placetype"] == "county"]
    layers.adm1 = _layer(regions, lambda p: AreaNames(admin1=governorate_name(p["name"], p.get("name_ar") or "")))
    layers.adm2 = _layer(counties, lambda p: AreaNames(
        admin1=governorate_name(p.get("region") or "", p.get("region_ar") or ""), admin2=p["name"]))
    if (directory / SYRIA_SUBDISTRICTS).exists():
        records = json.loads((directory / SYRIA_SUBDISTRICTS).read_text(encoding="utf-8"))
        layers.adm3_centroids = subdistrict_centroids(records, layers.adm2)
    return layers


def subdistrict_centroids(records: list[dict[str, Any]], districts: PolygonLayer) -> CentroidLayer:
    """OpenSyria sub-districts grouped by the WOF district polygon their centroid lies in.

    Grouping by polygon rather than by OpenSyria's districtId avoids matching two spellings of
    every district name (WOF "Jebel Saman" is OCHA "Mount Simeon"), and follows WOF where the
    two disagree (WOF has no Qadmous district: its sub-districts fall in Banyas).
    """
    names = [r["name"]["en"] for r in records]
    lons = [float(r["centroid"]["longitude"]) for r in records]
    lats = [float(r["centroid"]["latitude"]) for r in records]
    hits = districts.locate(list(shapely.points(list(zip(lons, lats)))))
    by_district: dict[int, list[int]] = {}
    for index, district in enumerate(hits):
        if district is not None:
            by_district.setdefault(district, []).append(index)
    return CentroidLayer(names, lons, lats, by_district)


def load_admin_hierarchy(directory: str | Path) -> AdminHierarchy:
    """The admin layers found in a gazetteer data directory (missing files leave layers empty)."""
    directory = Path(directory)
    return AdminHierarchy({"IQ": load_iraq(directory), "SY": load_syria(directory)})
