"""Loading and validating the trigger, cue and clarity lexicons (``data/lexicons/*.yaml``).

Both are data an analyst can read and extend; they are validated once at start-up, and an
invalid file stops rasd with a message that names the file and the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from rasd.matcher import PhraseMatcher
from rasd.normalize import normalize
from rasd.schema import SUB_EVENT_TO_TYPE

DEFERRED_KINDS = ("territory", "arrest", "attack", "clash", "departure", "burning", "agreement", "none")


class TriggerEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    sub_event_type: str
    patterns: tuple[str, ...] = Field(min_length=1)
    weak: bool = False
    note: str | None = None

    @field_validator("sub_event_type")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in SUB_EVENT_TO_TYPE and value not in DEFERRED_KINDS:
            raise ValueError(f"unknown sub_event_type {value!r} (ACLED's 25 or {DEFERRED_KINDS})")
        return value


class Cues(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    window: int = Field(ge=1, le=30)
    negation: tuple[str, ...]
    future: tuple[str, ...]
    sentence_future: tuple[str, ...]
    future_prefixes: tuple[str, ...]
    aggregate: tuple[str, ...]
    background: tuple[str, ...]
    background_pattern: tuple[str, ...]
    speech: tuple[str, ...]
    occurrence: tuple[str, ...]
    result: tuple[str, ...]


@dataclass(frozen=True)
class CueMatchers:
    window: int
    negation: PhraseMatcher[str]
    future: PhraseMatcher[str]
    sentence_future: PhraseMatcher[str]
    future_prefixes: tuple[str, ...]
    aggregate: PhraseMatcher[str]
    background: PhraseMatcher[str]
    background_words: frozenset[str]
    speech: PhraseMatcher[str]
    occurrence_words: frozenset[str]
    result: PhraseMatcher[str]


def _load(name: str) -> object:
    text = resources.files("rasd.data.lexicons").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def load_triggers() -> tuple[list[TriggerEntry], PhraseMatcher[TriggerEntry]]:
    raw = _load("triggers.yaml")
    if not isinstance(raw, list) or not raw:
        raise ValueError("triggers.yaml must be a non-empty list")
    entries = []
    for item in raw:
        try:
            entries.append(TriggerEntry.model_validate(item))
        except Exception as exc:  # pydantic's message, with the entry named
            raise ValueError(f"triggers.yaml: entry {item.get('id') if isinstance(item, dict) else item!r}: {exc}") from exc
    matcher: PhraseMatcher[TriggerEntry] = PhraseMatcher()
    for entry in entries:
        for pattern in entry.patterns:
            matcher.add(pattern, entry)
    return entries, matcher


def _phrases(words: tuple[str, ...]) -> PhraseMatcher[str]:
    matcher: PhraseMatcher[str] = PhraseMatcher()
    for word in words:
        matcher.add(word, normalize(word))
    return matcher


@lru_cache(maxsize=1)
def load_cues() -> CueMatchers:
    cues = Cues.model_validate(_load("cues.yaml"))
    return CueMatchers(
        window=cues.window,
        negation=_phrases(cues.negation),
        future=_phrases(cues.future),
        sentence_future=_phrases(cues.sentence_future),
        future_prefixes=tuple(normalize(p) for p in cues.future_prefixes),
        aggregate=_phrases(cues.aggregate),
        background=_phrases(cues.background),
        background_words=frozenset(normalize(w) for w in cues.background_pattern),
        speech=_phrases(cues.speech),
        occurrence_words=frozenset(normalize(w) for w in cues.occurrence),
        result=_phrases(cues.result),
    )


class ClarityCues(BaseModel):
    """``clarity.yaml``: what makes a sentence a summary rather than one incident (rasd.extract.clarity)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    opens_period: tuple[str, ...] = Field(min_length=1)
    same_day: tuple[str, ...] = Field(min_length=1)
    comparison: tuple[str, ...] = Field(min_length=1)
    relative: tuple[str, ...] = Field(min_length=1)
    separate_reports: tuple[str, ...] = Field(min_length=1)
    period: tuple[str, ...] = Field(min_length=1)
    cumulative: tuple[str, ...] = Field(min_length=1)
    ongoing: tuple[str, ...] = Field(min_length=1)

    @field_validator("same_day", "comparison", "relative")
    @classmethod
    def _single_words(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        several = [w for w in value if len(w.split()) != 1]
        if several:
            raise ValueError(f"single words only, not {several}")
        return value


@dataclass(frozen=True)
class ClarityMatchers:
    opens_period: PhraseMatcher[str]
    same_day: frozenset[str]
    comparison: frozenset[str]
    relative: frozenset[str]
    separate_reports: PhraseMatcher[str]
    period: PhraseMatcher[str]
    cumulative: PhraseMatcher[str]
    ongoing: PhraseMatcher[str]


@lru_cache(maxsize=1)
def load_clarity() -> ClarityMatchers:
    try:
        cues = ClarityCues.model_validate(_load("clarity.yaml"))
    except Exception as exc:  # pydantic's message, with the file named
        raise ValueError(f"clarity.yaml: {exc}") from exc
    return ClarityMatchers(
        opens_period=_phrases(cues.opens_period),
        same_day=frozenset(normalize(w) for w in cues.same_day),
        comparison=frozenset(normalize(w) for w in cues.comparison),
        relative=frozenset(normalize(w) for w in cues.relative),
        separate_reports=_phrases(cues.separate_reports),
        period=_phrases(cues.period),
        cumulative=_phrases(cues.cumulative),
        ongoing=_phrases(cues.ongoing),
    )
