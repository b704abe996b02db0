"""``rasd gazetteer download``: the gazetteer index from GeoNames country dumps, for a user who
has no copy of rasd's shared gazetteer data.

GeoNames publishes one zip per country (``SY.zip``, ``IQ.zip`` under
https://download.geonames.org/export/dump/), each holding ``SY.txt``: tab-separated, 19 columns,
no header (geonameid, name, asciiname, alternatenames, latitude, longitude, feature class,
feature code, country code, cc2, admin1 code, admin2 code, admin3 code, admin4 code, population,
elevation, dem, timezone, modification date). Licence: CC BY 4.0, "GeoNames (geonames.org)".

What becomes of a row:
- populated places (class P) -> locality (PPLX: neighbourhood); abandoned (PPLQ) and historical
  (PPLH) places are left out; destroyed ones (PPLW) are kept, since news still names them;
- ADM2 / ADM3 -> district / subdistrict, and also the names that admin2/admin3 codes stand for;
- a few conflict-relevant features (airports, bases, dams, oil and gas fields, prisons, camps,
  border posts) -> feature; other features (hills, wadis, wells) would match common words;
- governorates come from rasd's own table (``admin1.tsv``), whose ``geonames_code`` column maps
  GeoNames admin1 codes (SY.07) to rasd's canonical names.
Arabic names are the Arabic-script alternate names (GeoNames does not tag languages in the dump;
names with Persian or Kurdish letters are left out). A row with no Arabic name cannot be matched
in Arabic text and is skipped.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from rasd.gazetteer import COUNTRIES, Gazetteer, Place, _FEATURE_HEADS, _add_shipped, _rasd_home, admin1_table, ascii_name
from rasd.gazetteer_index import make_manifest, shipped_sources, with_admin_names
from rasd.normalize import normalize

GEONAMES_BASE_URL = "https://download.geonames.org/export/dump/"
GEONAMES_COLUMNS = 19
DOWNLOAD_TIMEOUT_S = 120

FEATURE_TYPES = {
    "AIRP": "airport", "AIRB": "airbase", "AIRF": "airfield", "AIRH": "heliport", "MILB": "military_base",
    "INSM": "military_base", "DAM": "dam", "OILF": "oil_field", "GASF": "gas_field", "OILR": "refinery",
    "PRN": "prison", "CMPRF": "camp", "PSTB": "border_crossing", "PSTC": "border_crossing",
}
_SKIPPED_PLACES = frozenset({"PPLQ", "PPLH"})
# letters of Persian, Kurdish (Sorani) and Urdu that Arabic does not use
_NON_ARABIC_LETTERS = frozenset("پچژگڤێۆڕڵەیکھے")


@dataclass(frozen=True, slots=True)
class GeoNamesRow:
    geonameid: int
    name: str
    asciiname: str
    alternatenames: tuple[str, ...]
    lat: float
    lon: float
    feature_class: str
    feature_code: str
    country: str
    admin1: str
    admin2: str
    admin3: str
    population: int


# --- the pure core: rows -> gazetteer -----------------------------------------------------------

def parse_geonames_lines(lines: Iterable[str]) -> Iterator[GeoNamesRow]:
    """Rows of a GeoNames dump; lines that are not 19 well-formed columns are skipped."""
    for line in lines:
        cols = line.rstrip("\r\n").split("\t")
        if len(cols) != GEONAMES_COLUMNS:
            continue
        try:
            yield GeoNamesRow(
                geonameid=int(cols[0]), name=cols[1], asciiname=cols[2],
                alternatenames=tuple(a.strip() for a in cols[3].split(",") if a.strip()),
                lat=float(cols[4]), lon=float(cols[5]), feature_class=cols[6], feature_code=cols[7], country=cols[8],
                admin1=cols[10], admin2=cols[11], admin3=cols[12], population=int(cols[14] or 0),
            )
        except ValueError:
            continue


def is_arabic_name(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all("\u0600" <= c <= "\u06ff" for c in letters) and not (set(letters) & _NON_ARABIC_LETTERS)


def arabic_names(row: GeoNamesRow) -> list[str]:
    names: list[str] = []
    for candidate in (row.name, *row.alternatenames):
        if is_arabic_name(candidate) and candidate not in names:
            names.append(candidate)
    return names


def row_kind(row: GeoNamesRow) -> str | None:
    """rasd's kind for a GeoNames row, or None to leave it out."""
    if row.feature_class == "P":
        if row.feature_code in _SKIPPED_PLACES:
            return None
        return "neighbourhood" if row.feature_code == "PPLX" else "locality"
    if row.feature_code == "ADM2":
        return "district"
    if row.feature_code == "ADM3":
        return "subdistrict"
    if row.feature_code in FEATURE_TYPES:
        return "feature"
    return None


def geonames_gazetteer(rows: Sequence[GeoNamesRow], source: str = "geonames") -> Gazetteer:
    """rasd's shipped tables plus the GeoNames rows, with admin names from GeoNames' own codes."""
    admin1_names = {row["geonames_code"]: row["name"] for row in admin1_table()}
    admin2_names: dict[tuple[str, str, str], str] = {}
    admin3_names: dict[tuple[str, str, str, str], str] = {}
    for row in rows:
        if row.feature_code == "ADM2":
            admin2_names[(row.country, row.admin1, row.admin2)] = _admin_name(row)
        elif row.feature_code == "ADM3":
            admin3_names[(row.country, row.admin1, row.admin2, row.admin3)] = _admin_name(row)
    gazetteer = Gazetteer(source=source)
    _add_shipped(gazetteer)
    for row in rows:
        kind = row_kind(row)
        names = arabic_names(row)
        if kind is None or not names or row.country not in COUNTRIES:
            continue
        place = Place(
            id=f"gn:{row.geonameid}", name=ascii_name(row.asciiname or row.name), name_ar=names[0], country=row.country,
            admin1=admin1_names.get(f"{row.country}.{row.admin1}", ""), lat=row.lat, lon=row.lon, kind=kind,
            admin2=admin2_names.get((row.country, row.admin1, row.admin2), ""),
            admin3="" if kind == "district" else admin3_names.get((row.country, row.admin1, row.admin2, row.admin3), ""),
            population=row.population, feature_type=FEATURE_TYPES.get(row.feature_code, ""),
        )
        if kind == "feature":
            # a feature's name without its head word (مطار) would match in every sentence that
            # uses the word for something else: it counts only after a head, as in _add_shipped
            headed = [n for n in names if normalize(n).split(" ", 1)[0] in _FEATURE_HEADS]
            gazetteer.add(place, headed, head_only_names=[n for n in names if n not in headed])
        else:
            gazetteer.add(place, names)
    return gazetteer


def _admin_name(row: GeoNamesRow) -> str:
    """An admin area's English name as analysts write it: without GeoNames' 'District' suffix."""
    name = ascii_name(row.asciiname or row.name)
    for suffix in (" District", " Subdistrict", " Sub-district", " Nahiya"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


# --- the I/O shell: getting the files -----------------------------------------------------------

def is_url(text: str) -> bool:
    return urllib.parse.urlparse(text).scheme in ("http", "https")


def country_file_url(base_url: str, country: str) -> str:
    return urllib.parse.urljoin(base_url.rstrip("/") + "/", f"{country}.zip")


def local_country_file(source: Path, country: str) -> Path:
    """``SY.zip`` or ``SY.txt`` in a folder, or the file itself when it is named for the country."""
    if source.is_dir():
        for name in (f"{country}.zip", f"{country}.txt"):
            if (source / name).is_file():
                return source / name
        raise FileNotFoundError(f"no {country}.zip or {country}.txt in {source}")
    if source.is_file() and source.name.split(".")[0].upper() == country:
        return source
    raise FileNotFoundError(f"{source} is not a {country}.zip / {country}.txt file nor a folder holding one")


def download(url: str, target: Path, timeout: float = DOWNLOAD_TIMEOUT_S,
             opener: Callable[..., Any] = urllib.request.urlopen) -> Path:
    """``url`` saved to ``target`` (written to a temporary file first, so a broken download
    never leaves a truncated file under the real name)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=target.name, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out, opener(url, timeout=timeout) as response:
            while block := response.read(1 << 20):
                out.write(block)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_country_rows(path: Path, country: str) -> list[GeoNamesRow]:
    """The rows of ``SY.zip`` (member ``SY.txt``) or of a plain ``SY.txt``."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            member = f"{country}.txt"
            if member not in archive.namelist():
                raise ValueError(f"{path} has no {member} (members: {', '.join(archive.namelist()[:5])})")
            with archive.open(member) as handle:
                return list(parse_geonames_lines(io.TextIOWrapper(handle, encoding="utf-8")))
    if path.suffix == ".zip":
        raise ValueError(f"{path} is not a zip file (a failed download?)")
    with path.open(encoding="utf-8") as handle:
        return list(parse_geonames_lines(handle))


def fetch_countries(countries: Sequence[str], source: str | None = None, base_url: str = GEONAMES_BASE_URL,
                    cache_dir: Path | None = None) -> list[tuple[str, Path, str]]:
    """(country, local file, where it came from) per country: a local file or folder given as
    ``source``, else ``{base_url or source}/{CC}.zip`` downloaded into ``cache_dir``."""
    cache_dir = cache_dir or _rasd_home() / "downloads" / "geonames"
    fetched = []
    for country in countries:
        if source and not is_url(source):
            path = local_country_file(Path(source), country)
            fetched.append((country, path, str(path.resolve())))
        else:
            url = country_file_url(source or base_url, country)
            fetched.append((country, download(url, cache_dir / f"{country}.zip"), url))
    return fetched


def build_from_geonames(countries: Sequence[str], source: str | None = None, base_url: str = GEONAMES_BASE_URL,
                        polygons: Path | None = None) -> tuple[Gazetteer, dict[str, Any]]:
    """The gazetteer and manifest from GeoNames country dumps (see the module docstring).

    With ``polygons`` (a folder laid out like shared/data/gazetteer), admin names come from
    point-in-polygon as in ``rasd gazetteer build`` (the names analysts know), and from GeoNames'
    own admin codes only where no polygon gives one.
    """
    fetched = fetch_countries(countries, source, base_url)
    rows: list[GeoNamesRow] = []
    sources: list[dict[str, Any]] = []
    for country, path, origin in fetched:
        country_rows = read_country_rows(path, country)
        rows.extend(country_rows)
        data = path.read_bytes()
        sources.append({"file": path.name, "from": origin, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                        "rows": len(country_rows)})
    gazetteer = geonames_gazetteer(rows, source=f"rasd index from GeoNames dumps ({', '.join(countries)})")
    extra: dict[str, Any] = {"countries": list(countries)}
    if polygons is not None:
        from rasd.admin_areas import load_admin_hierarchy

        hierarchy = load_admin_hierarchy(polygons)
        gazetteer = with_admin_names(gazetteer, hierarchy.locate_many)
        extra["admin_layers"] = hierarchy.describe()
    manifest = make_manifest(gazetteer, origin="download: geonames", sources=sources + shipped_sources(), extra=extra)
    return gazetteer, manifest
