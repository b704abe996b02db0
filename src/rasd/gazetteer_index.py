"""rasd's built gazetteer index: build it once from the data files, load it fast every run.

``rasd gazetteer build`` reads the Syria/Iraq gazetteer TSV, the shipped admin and conflict
feature tables and the admin polygons, gives every place its admin1/admin2/admin3 by
point-in-polygon (``rasd.admin_areas``) and writes two files to ``RASD_HOME/gazetteer/``:

- ``index.pickle``: the Place rows as plain tuples plus the name keys. Only builtin types are
  stored, and the loader refuses anything else, so a tampered file cannot run code; rebuilding
  Place objects from tuples keeps the format independent of the class layout (a field added
  later with a default just takes its default when an old index is loaded).
- ``manifest.json``: format version, rasd version, build date, the source files with their
  SHA-256, row counts. It is written last: an index without a manifest is an unfinished build
  and is ignored.

Loading takes ~0.1-0.2 s (``bench/gazetteer_bench.py``); the matcher over the name keys is built
lazily on the first ``find`` as for any other gazetteer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

from rasd.gazetteer import Gazetteer, Place, _rasd_home, load_tsv_gazetteer

INDEX_FORMAT = 1
INDEX_FILE = "index.pickle"
MANIFEST_FILE = "manifest.json"
GAZETTEER_TSV = "gazetteer_sy_iq.tsv.gz"
# place kinds that lie inside a district; governorates keep only their admin1
_POINT_KINDS = frozenset({"locality", "neighbourhood", "feature", "subdistrict"})


class IndexUnavailable(Exception):
    """The built index is missing, unfinished, or of another format."""


def index_dir() -> Path:
    """Where ``rasd gazetteer build`` writes the index: ``RASD_HOME/gazetteer``."""
    return _rasd_home() / "gazetteer"


def rasd_version() -> str:
    from rasd import __version__

    return __version__


# --- the pure core: admin names, manifest counts, payload --------------------------------------

def with_admin_names(gazetteer: Gazetteer, locate: Callable[[str, list[tuple[float, float]]], list[Any]]) -> Gazetteer:
    """A copy of ``gazetteer`` whose places carry admin1/admin2/admin3 from ``locate``.

    ``locate(country, [(lon, lat), ...])`` returns objects with admin1/admin2/admin3 (''
    unknown). A name the polygons do not give keeps what the source data said, so a place just
    outside every polygon is not left worse off than before. The name keys are unchanged: places
    keep their positions.
    """
    places = list(gazetteer.places)
    by_country: dict[str, list[int]] = {}
    for index, place in enumerate(places):
        if place.kind in _POINT_KINDS or place.kind == "district":
            by_country.setdefault(place.country, []).append(index)
    for country, indexes in by_country.items():
        located = locate(country, [(places[i].lon, places[i].lat) for i in indexes])
        for index, names in zip(indexes, located):
            place = places[index]
            if place.kind == "district":
                # a district's point is a label point: it names the district, not a sub-district
                places[index] = dataclasses.replace(place, admin1=names.admin1 or place.admin1, admin2=names.admin2 or place.admin2)
            else:
                places[index] = dataclasses.replace(
                    place, admin1=names.admin1 or place.admin1, admin2=names.admin2 or place.admin2,
                    admin3=names.admin3 or place.admin3)
    return Gazetteer(source=gazetteer.source, places=places, _keys=dict(gazetteer._keys), needs_head=set(gazetteer.needs_head))


def gazetteer_counts(gazetteer: Gazetteer) -> dict[str, Any]:
    """Row counts for the manifest and ``rasd gazetteer info``."""
    by_kind: dict[str, int] = {}
    by_country: dict[str, int] = {}
    with_admin = {"admin1": 0, "admin2": 0, "admin3": 0}
    for place in gazetteer.places:
        by_kind[place.kind] = by_kind.get(place.kind, 0) + 1
        by_country[place.country] = by_country.get(place.country, 0) + 1
        for level in with_admin:
            with_admin[level] += bool(getattr(place, level))
    return {"places": len(gazetteer.places), "names": len(gazetteer._keys), "by_kind": by_kind,
            "by_country": by_country, "with": with_admin}


def index_payload(gazetteer: Gazetteer) -> dict[str, Any]:
    """The index as builtin types only (see the module docstring)."""
    names = [f.name for f in dataclasses.fields(Place)]
    return {
        "format": INDEX_FORMAT,
        "source": gazetteer.source,
        "fields": names,
        "places": [tuple(getattr(p, n) for n in names) for p in gazetteer.places],
        "keys": gazetteer._keys,
        "needs_head": sorted(gazetteer.needs_head),
    }


def gazetteer_from_payload(payload: dict[str, Any], source: str) -> Gazetteer:
    if payload.get("format") != INDEX_FORMAT:
        raise IndexUnavailable(f"index format {payload.get('format')!r}, this rasd reads {INDEX_FORMAT}: run `rasd gazetteer build`")
    known = {f.name for f in dataclasses.fields(Place)}
    names: list[str] = payload["fields"]
    keep = [i for i, n in enumerate(names) if n in known]  # a field this rasd dropped is ignored
    places = [Place(**{names[i]: row[i] for i in keep}) for row in payload["places"]]
    return Gazetteer(source=source, places=places, _keys=payload["keys"], needs_head=set(payload["needs_head"]))


# --- files --------------------------------------------------------------------------------------

class _BuiltinsOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"gazetteer index holds a non-builtin object {module}.{name}; refusing to load it")


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def describe_sources(directory: Path, names: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for name in names:
        path = directory / name
        if path.exists():
            out.append({"file": name, "bytes": path.stat().st_size, "sha256": file_digest(path)})
    return out


def make_manifest(gazetteer: Gazetteer, *, origin: str, sources: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "format": INDEX_FORMAT,
        "rasd_version": rasd_version(),
        "name_keys_digest": name_keys_digest(),
        "built_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat(),
        "origin": origin,
        "source": gazetteer.source,
        "sources": sources,
        "counts": gazetteer_counts(gazetteer),
        **(extra or {}),
    }


def save_index(gazetteer: Gazetteer, manifest: dict[str, Any], directory: Path | None = None) -> Path:
    """Write the index and then its manifest into ``directory`` (default ``index_dir()``)."""
    directory = directory or index_dir()
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST_FILE).unlink(missing_ok=True)  # the old manifest must not vouch for a half-written index
    _atomic_write(directory / INDEX_FILE, pickle.dumps(index_payload(gazetteer), protocol=pickle.HIGHEST_PROTOCOL))
    _atomic_write(directory / MANIFEST_FILE, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    return directory


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=path.name, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_manifest(directory: Path | None = None) -> dict[str, Any]:
    directory = directory or index_dir()
    path = directory / MANIFEST_FILE
    if not path.exists() or not (directory / INDEX_FILE).exists():
        raise IndexUnavailable(f"no built gazetteer index in {directory}: run `rasd gazetteer build`")
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != INDEX_FORMAT:
        raise IndexUnavailable(f"gazetteer index in {directory} has format {manifest.get('format')!r}, this rasd reads {INDEX_FORMAT}: rebuild it")
    if manifest.get("name_keys_digest") != name_keys_digest():
        raise IndexUnavailable(f"gazetteer index in {directory} was built from other shipped tables or name rules "
                               "than this rasd has: run `rasd gazetteer build` again")
    return manifest


def name_keys_digest() -> str:
    """A digest of what decides the index's names: the shipped tables and the name-key code.
    An index built by another version of them is stale and is not used."""
    import hashlib
    import inspect
    from importlib import resources

    from rasd import gazetteer as gazetteer_module

    digest = hashlib.sha256()
    data = resources.files("rasd.data.gazetteer")
    for name in ("admin1.tsv", "conflict_features.tsv", "place_aliases.tsv", "neighbourhoods.tsv"):
        digest.update(data.joinpath(name).read_bytes())
    for obj in (gazetteer_module._name_keys, gazetteer_module.Gazetteer.add, gazetteer_module._add_shipped,
                gazetteer_module._add_neighbourhoods,
                gazetteer_module.Gazetteer.add_alias, gazetteer_module.add_place_aliases):
        digest.update(inspect.getsource(obj).encode("utf-8"))
    return digest.hexdigest()[:16]


def load_index(directory: Path | None = None) -> Gazetteer:
    """The gazetteer built into ``directory`` (default ``index_dir()``)."""
    directory = directory or index_dir()
    manifest = read_manifest(directory)
    with (directory / INDEX_FILE).open("rb") as handle:
        payload = _BuiltinsOnlyUnpickler(io.BufferedReader(handle)).load()  # type: ignore[arg-type]
    source = f"index: {directory} (built {manifest.get('built_at', '?')}, {manifest.get('origin', '?')}, rasd {manifest.get('rasd_version', '?')})"
    return gazetteer_from_payload(payload, source)


def built_index_dir() -> Path | None:
    """``index_dir()`` if a finished index of this format is there, else None."""
    directory = index_dir()
    try:
        read_manifest(directory)
    except (IndexUnavailable, OSError, ValueError):
        return None
    return directory


def is_index_path(path: Path) -> bool:
    """Whether an explicit gazetteer path names a built index (its folder, manifest or pickle)."""
    return (path.is_dir() and (path / MANIFEST_FILE).exists()) or path.name in (INDEX_FILE, MANIFEST_FILE)


# --- building from the shared data directory ---------------------------------------------------

def build_from_directory(data_dir: str | Path) -> tuple[Gazetteer, dict[str, Any]]:
    """The gazetteer and its manifest, built from a directory laid out like shared/data/gazetteer."""
    from rasd.admin_areas import ADMIN_SOURCE_FILES, load_admin_hierarchy

    data_dir = Path(data_dir)
    tsv = data_dir / GAZETTEER_TSV
    if not tsv.exists():
        raise FileNotFoundError(f"{tsv} not found (give the folder that holds {GAZETTEER_TSV} with --from)")
    hierarchy = load_admin_hierarchy(data_dir)
    gazetteer = with_admin_names(load_tsv_gazetteer(tsv), hierarchy.locate_many)
    gazetteer.source = f"rasd index from {data_dir.resolve()}"
    sources = describe_sources(data_dir, [GAZETTEER_TSV, *ADMIN_SOURCE_FILES])
    sources += shipped_sources()
    manifest = make_manifest(gazetteer, origin="build", sources=sources, extra={"admin_layers": hierarchy.describe()})
    return gazetteer, manifest


def shipped_sources() -> list[dict[str, Any]]:
    """The tables shipped inside rasd that every index includes."""
    from importlib import resources

    out = []
    for name in ("admin1.tsv", "conflict_features.tsv", "place_aliases.tsv", "neighbourhoods.tsv"):
        data = resources.files("rasd.data.gazetteer").joinpath(name).read_bytes()
        out.append({"file": f"rasd/data/gazetteer/{name}", "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()})
    return out
