"""Actors: the actor lexicon (``data/lexicons/actors.yaml``) and actor mentions in text.

The lexicon maps Arabic aliases to canonical ACLED-style actors with inter codes. Three kinds
of mention are found:
- an alias (قوات النظام → Military Forces of Syria);
- a generic state force (الجيش، القوات الأمنية، الشرطة ...) resolved by the country the
  article is about (``data/lexicons/state_generics.yaml``);
- an anaphor (التنظيم، الهيئة، الحشد ...) that refers back to the most recent earlier mention of
  an actor listing it, so "التنظيم" after "تنظيم الدولة" is ISIS.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from rasd.matcher import PhraseMatcher
from rasd.normalize import normalize

Role = Literal["civilian", "protester", "rioter", "unidentified"]


class ActorEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=2)
    inter: int = Field(ge=1, le=8)
    home: str | None = None
    unit: str | None = None
    role: Role | None = None
    aliases: tuple[str, ...] = Field(min_length=1)
    anaphora: tuple[str, ...] = ()
    note: str | None = None

    @field_validator("aliases", "anaphora")
    @classmethod
    def _clean(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if any("\u064b" <= c <= "\u0652" or c == "\u0640" for c in value):
                raise ValueError(f"alias has diacritics or tatweel: {value!r}")
        return values

    def display_name(self, country: str) -> str:
        """The actor's name for an event in ``country`` (e.g. 'Civilians (Syria)')."""
        return self.name.replace("{country}", country or "International")

    def inter_in(self, country_iso2: str | None) -> int:
        """ACLED inter code: a state force outside its home state is External/Other (8)."""
        if self.inter == 1 and self.home and country_iso2 and self.home != country_iso2:
            return 8
        return self.inter


class StateGeneric(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    force: Literal["military", "police"]
    aliases: tuple[str, ...] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class ActorMention:
    start: int  # normalised offsets
    end: int
    actor: ActorEntry
    via: str  # "alias", "generic", "anaphora"
    surface: str


class ActorLexicon:
    """The validated actor lexicon with its matchers."""

    def __init__(self, entries: list[ActorEntry], generics: list[StateGeneric]) -> None:
        ids = [e.id for e in entries]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"actors.yaml: duplicate ids {sorted(duplicates)}")
        self.entries = {e.id: e for e in entries}
        self.alias_matcher: PhraseMatcher[str] = PhraseMatcher()
        owners: dict[str, str] = {}
        for entry in entries:
            for alias in entry.aliases:
                key = normalize(alias)
                if key in owners and owners[key] != entry.id:
                    raise ValueError(f"actors.yaml: alias {alias!r} belongs to both {owners[key]} and {entry.id}")
                owners[key] = entry.id
                self.alias_matcher.add(alias, entry.id)
        self.anaphora_matcher: PhraseMatcher[str] = PhraseMatcher()
        for entry in entries:
            for word in entry.anaphora:
                self.anaphora_matcher.add(word, entry.id)
        self.generic_matcher: PhraseMatcher[str] = PhraseMatcher()
        for generic in generics:
            for alias in generic.aliases:
                self.generic_matcher.add(alias, generic.force)
        self._state_forces: dict[tuple[str, str], ActorEntry] = {}
        # the national army and police stand for "the army", "the security forces" (not the
        # Peshmerga or the PMF, which are also state forces of Iraq)
        for entry in entries:
            if entry.home and entry.inter == 1 and not entry.unit:
                for force, prefix in (("military", "Military Forces of"), ("police", "Police Forces of")):
                    if entry.name.startswith(prefix):
                        self._state_forces.setdefault((entry.home, force), entry)

    def state_force(self, country_iso2: str, force: str) -> ActorEntry | None:
        return self._state_forces.get((country_iso2, force)) or self._state_forces.get((country_iso2, "military"))

    def find(self, norm: str, country_iso2: str | None) -> list[ActorMention]:
        """Actor mentions in a whole normalised article, anaphora resolved in reading order."""
        mentions: list[ActorMention] = []
        for m in self.alias_matcher.find(norm):
            mentions.append(ActorMention(m.start, m.end, self.entries[m.payload], "alias", norm[m.start:m.end]))
        taken = [(m.start, m.end) for m in mentions]

        def free(start: int, end: int) -> bool:
            return all(end <= s or start >= e for s, e in taken)

        if country_iso2:
            for m in self.generic_matcher.find(norm):
                entry = self.state_force(country_iso2, m.payload)
                if entry and free(m.start, m.end):
                    mentions.append(ActorMention(m.start, m.end, entry, "generic", norm[m.start:m.end]))
                    taken.append((m.start, m.end))
        anaphors = [m for m in self.anaphora_matcher.find_all(norm) if free(m.start, m.end)]
        mentions.sort(key=lambda m: m.start)
        resolved: list[ActorMention] = []
        seen_positions: set[int] = set()
        for a in anaphors:
            if a.start in seen_positions:
                continue
            earlier = [m for m in mentions if m.end <= a.start and m.via == "alias"]
            # the most recent earlier actor that lists this anaphor
            candidates = {e for e in (x.payload for x in anaphors if x.start == a.start)}
            for m in reversed(earlier):
                if m.actor.id in candidates:
                    resolved.append(ActorMention(a.start, a.end, m.actor, "anaphora", norm[a.start:a.end]))
                    seen_positions.add(a.start)
                    break
        mentions.extend(resolved)
        mentions.sort(key=lambda m: m.start)
        return mentions


def _load_yaml(name: str) -> object:
    text = resources.files("rasd.data.lexicons").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def load_actor_lexicon() -> ActorLexicon:
    raw_entries = _load_yaml("actors.yaml")
    raw_generics = _load_yaml("state_generics.yaml")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise ValueError("actors.yaml must be a non-empty list of actors")
    entries = [ActorEntry.model_validate(e) for e in raw_entries]
    generics = [StateGeneric.model_validate(g) for g in (raw_generics or [])]
    return ActorLexicon(entries, generics)
