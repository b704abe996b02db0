"""Lint of the shipped data: actor, trigger and cue lexicons, and the gazetteer tables."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from importlib import resources
from pathlib import Path

import pytest

from rasd.extract.actors import ActorEntry, load_actor_lexicon
from rasd.extract.lexicons import load_cues, load_triggers
from rasd.gazetteer import admin1_table, canonical_admin1
from rasd.normalize import normalize

CONVENTIONS = Path(__file__).resolve().parent / "gold" / "CONVENTIONS.md"
_MARKS = re.compile(r"[\u064b-\u0652\u0640\u0670]")


def _check_spelling(phrase: str) -> None:
    assert unicodedata.normalize("NFKC", phrase) == phrase, f"not NFKC: {phrase!r}"
    assert not _MARKS.search(phrase), f"diacritics or tatweel in {phrase!r}"
    assert phrase == phrase.strip() and "  " not in phrase, f"stray spaces in {phrase!r}"


# --- actors -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def lexicon():
    return load_actor_lexicon()


def test_lexicons_actor_lexicon_loads(lexicon) -> None:
    assert len(lexicon.entries) >= 50
    assert len(lexicon.alias_matcher) > 0
    assert all(isinstance(e, ActorEntry) for e in lexicon.entries.values())


def test_lexicons_actor_entries_valid(lexicon) -> None:
    for entry in lexicon.entries.values():
        assert 1 <= entry.inter <= 8, entry.id
        assert re.fullmatch(r"[a-z0-9_]+", entry.id)
        assert entry.aliases, entry.id
        if entry.home is not None:
            assert re.fullmatch(r"[A-Z]{2}", entry.home), entry.id


def test_lexicons_actor_aliases_spelling(lexicon) -> None:
    for entry in lexicon.entries.values():
        for alias in (*entry.aliases, *entry.anaphora):
            _check_spelling(alias)


def test_lexicons_actor_aliases_match_themselves(lexicon) -> None:
    problems = []
    for entry in lexicon.entries.values():
        for alias in entry.aliases:
            norm = normalize(alias)
            found = lexicon.alias_matcher.find(norm)
            if [(m.start, m.end, m.payload) for m in found] != [(0, len(norm), entry.id)]:
                problems.append((entry.id, alias, [(m.start, m.end, m.payload) for m in found]))
    assert problems == []


def test_lexicons_actor_aliases_unique(lexicon) -> None:
    owners: dict[str, str] = {}
    for entry in lexicon.entries.values():
        for alias in entry.aliases:
            key = normalize(alias)
            assert owners.setdefault(key, entry.id) == entry.id, alias


def _convention_names() -> list[str]:
    names = []
    in_table = False
    for line in CONVENTIONS.read_text(encoding="utf-8").splitlines():
        if line.startswith("| name | inter"):
            in_table = True
            continue
        if in_table:
            if not line.startswith("|"):
                break
            first = line.strip("|").split("|")[0].strip()
            if set(first) <= set("-"):
                continue
            names.append(first)
    return names


def test_lexicons_conventions_table_parsed() -> None:
    names = _convention_names()
    assert len(names) >= 30
    assert "Military Forces of Syria" in names
    assert "Civilians (Syria) / (Iraq)" in names


@pytest.mark.parametrize("name", _convention_names())
def test_lexicons_conventions_actor_names_present(lexicon, name: str) -> None:
    wanted = name.replace(" (Syria) / (Iraq)", " ({country})")
    assert wanted in {e.name for e in lexicon.entries.values()}


def test_lexicons_conventions_inter_codes_agree(lexicon) -> None:
    table = {}
    for line in CONVENTIONS.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[1].isdigit():
            table[cells[0].replace(" (Syria) / (Iraq)", " ({country})")] = int(cells[1])
    assert table
    for entry in lexicon.entries.values():
        if entry.name in table and not entry.unit:
            # the table gives the code as seen in Syria/Iraq: a foreign state force (home RU, US ...)
            # is stored as 1 and becomes 8 outside its home state
            countries = [entry.home] if entry.home in ("SY", "IQ") else ["SY", "IQ"]
            for country in countries:
                assert entry.inter_in(country) == table[entry.name], (entry.id, entry.name, country)


# --- triggers and cues ------------------------------------------------------------------------

def test_lexicons_triggers_load_and_match_themselves() -> None:
    entries, matcher = load_triggers()
    assert len(entries) >= 10
    assert len({e.id for e in entries}) == len(entries)
    problems = []
    for entry in entries:
        for pattern in entry.patterns:
            _check_spelling(pattern.replace("*", ""))
            norm = normalize(pattern.replace("*", ""))  # an inner word* matches its bare form too
            full = [m for m in matcher.find_all(norm) if (m.start, m.end) == (0, len(norm))]
            if entry.id not in {m.payload.id for m in full}:
                problems.append((entry.id, pattern))
    assert problems == []


def test_lexicons_cues_load() -> None:
    cues = load_cues()
    assert 1 <= cues.window <= 30
    for name in ("negation", "future", "aggregate", "background", "speech"):
        matcher = getattr(cues, name)
        assert len(matcher) > 0, name
    assert normalize("نفى") in {m.payload for m in cues.negation.find(normalize("ونفى المتحدث"))}
    raw = resources.files("rasd.data.lexicons").joinpath("cues.yaml").read_text(encoding="utf-8")
    import yaml

    data = yaml.safe_load(raw)
    for key, values in data.items():
        if isinstance(values, list):
            for value in values:
                _check_spelling(str(value))


# --- gazetteer tables -------------------------------------------------------------------------

BOXES = {"SY": ((35.7, 42.4), (32.3, 37.4)), "IQ": ((38.8, 48.6), (29.0, 37.4))}


def _tsv(name: str) -> tuple[list[str], list[list[str]]]:
    text = resources.files("rasd.data.gazetteer").joinpath(name).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    return rows[0], [r for r in rows[1:] if r]


def _in_box(country: str, lat: float, lon: float) -> bool:
    (lon_lo, lon_hi), (lat_lo, lat_hi) = BOXES[country]
    return lon_lo <= lon <= lon_hi and lat_lo <= lat <= lat_hi


@pytest.mark.parametrize("name", ["conflict_features.tsv", "admin1.tsv"])
def test_lexicons_gazetteer_tables(name: str) -> None:
    header, rows = _tsv(name)
    assert rows
    country_col = "country" if "country" in header else "iso2"
    id_col = "id" if "id" in header else "geonames_code"
    ids = []
    for row in rows:
        assert len(row) == len(header), row[:1]
        record = dict(zip(header, row))
        assert record[country_col] in BOXES, record[id_col]
        lat, lon = float(record["lat"]), float(record["lon"])
        assert _in_box(record[country_col], lat, lon), (record[id_col], lat, lon)
        assert record["name_ar"].strip(), record[id_col]
        for arabic in [record["name_ar"], *filter(None, record["aliases_ar"].split("|"))]:
            assert unicodedata.normalize("NFKC", arabic) == arabic, arabic
            assert arabic == arabic.strip() and len(normalize(arabic)) >= 2, (record[id_col], arabic)
        ids.append(record[id_col])
    assert len(ids) == len(set(ids))


def test_lexicons_admin1_covers_conventions_governorates() -> None:
    text = CONVENTIONS.read_text(encoding="utf-8")
    section = text[text.index("## Governorate"):text.index("## Other choices")]
    governorates = {
        g.strip().rstrip(".")
        for line in section.splitlines() if line.startswith(("Syria:", "Iraq:", "Lattakia", "Najaf"))
        for g in line.split(":", 1)[-1].split(",")
        if g.strip().rstrip(".")
    }
    assert len(governorates) == 32
    assert {row["name"] for row in admin1_table()} == governorates


def test_lexicons_conflict_features_admin1_known() -> None:
    names = {row["name"] for row in admin1_table()}
    header, rows = _tsv("conflict_features.tsv")
    for row in rows:
        record = dict(zip(header, row))
        assert canonical_admin1(record["admin1"]) in names, (record["id"], record["admin1"])
