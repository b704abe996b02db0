"""The learned half of the merge decision: how likely two reports are one real incident.

The rule (``rasd.store.dedupe.same_incident``) says whether two reports *may* be one incident:
compatible type, date, place and actors. Many pairs it lets through are still two incidents (one
day's strike and the campaign it belongs to, a veto and the attack it is about, two strikes on
one town a day apart); a few features of the pair tell them apart better than any further rule
did (sessions 4-7, docs/ACCURACY.md "Deduplication"). ``MergeModel.probability`` is a logistic
model over ``pair_features``; the store merges two reports the rule matches only when the
probability reaches the model's threshold (``MergeModel.same``).

The weights are data (``rasd/data/dedupe/merge_model.yaml``: one readable weight per feature),
fitted by ``tests/dedupe/train_merge_model.py`` on the labelled design pairs (tests/dedupe: pairs
of passages of two articles labelled same incident or not), never on the sets that measure it.
Every feature reads only the two records (their coded fields, source sentences and date
evidence), so the decision is the same in the store, in the pairwise evaluation and on a re-run.
"""

from __future__ import annotations

import functools
import math
import os
import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from rasd.extract.clarity import classify_event
from rasd.normalize import normalize_text
from rasd.store.dedupe import (
    EventLike, haversine_km, named_actors, reported_day_only, same_incident, same_type, unique_act,
)

_YEARS = re.compile(r"^(19|20)\d\d$")
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[\u0621-\u064A0-9]{2,}")


def _char_grams(text: str) -> Counter[str]:
    """Character 3- to 5-grams of each word (padded), as a bag: outlets that copy one agency's
    wording share most of them, and they survive clitics ("بدوما" / "دوما") that split words."""
    grams: Counter[str] = Counter()
    for word in _WORD.findall(text):
        padded = f" {word} "
        for size in (3, 4, 5):
            grams.update(padded[i:i + size] for i in range(len(padded) - size + 1))
    return grams


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(count * b[gram] for gram, count in a.items() if gram in b)
    return dot / math.sqrt(sum(c * c for c in a.values()) * sum(c * c for c in b.values()))


@functools.lru_cache(maxsize=512)  # a stored report meets every new report near it; a profile is ~20 kB
def _sentence_profile(sentence: str) -> tuple[Counter[str], Counter[str], frozenset[str]]:
    text = normalize_text(sentence)
    words = Counter(_WORD.findall(text))
    numbers = frozenset(n for n in _NUMBER.findall(text) if not _YEARS.match(n))
    return _char_grams(text), words, numbers


def _days_apart(a: EventLike, b: EventLike) -> int:
    if a.event_date is None or b.event_date is None:
        return 30
    return min(abs((a.event_date - b.event_date).days), 30)


def _km_apart(a: EventLike, b: EventLike) -> float:
    if a.latitude is None or a.longitude is None or b.latitude is None or b.longitude is None:
        return 500.0
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def pair_features(a: Any, b: Any, rule_match: bool | None = None) -> dict[str, float]:
    """The features of a pair of reports (``FEATURES``, in that order), symmetric in a and b.
    ``rule_match``: the rule's decision when the caller has it already (``one_incident``)."""
    if rule_match is None:
        rule_match = a.status == b.status == "event" and same_incident(a, b).same
    days, km = _days_apart(a, b), _km_apart(a, b)
    actors_a, actors_b = named_actors(a), named_actors(b)
    chars_a, words_a, numbers_a = _sentence_profile(a.source_sentence or "")
    chars_b, words_b, numbers_b = _sentence_profile(b.source_sentence or "")
    fatal_a, fatal_b = a.fatalities, b.fatalities
    return {
        "both_events": float(a.status == "event" and b.status == "event"),
        "same_type": float(a.event_type == b.event_type),
        "same_sub_event_type": float(a.sub_event_type == b.sub_event_type),
        "compatible_types": float(same_type(a, b)),
        "chemical_attack": float(unique_act(a) or unique_act(b)),
        "days_apart": float(days),
        "same_day": float(days == 0),
        "within_a_day": float(days <= 1),
        "least_time_precision": float(max(a.time_precision or 3, b.time_precision or 3)),
        "dated_by_telling": float(reported_day_only(a)) + float(reported_day_only(b)),
        "log_km": math.log1p(km),
        "within_10km": float(km <= 10),
        "same_place": float(bool(a.place_id) and a.place_id == b.place_id),
        "same_admin2": float(bool(a.admin2) and a.admin2 == b.admin2),
        "same_admin1": float(bool(a.admin1) and a.admin1 == b.admin1),
        "least_geo_precision": float(max(a.geo_precision or 3, b.geo_precision or 3)),
        "actors_overlap": float(bool(actors_a & actors_b)),
        "actors_conflict": float(bool(actors_a and actors_b and not actors_a & actors_b)),
        "both_tolls": float(fatal_a > 0 and fatal_b > 0),
        "same_toll": float(fatal_a == fatal_b and fatal_a > 0),
        "toll_ratio": (min(fatal_a, fatal_b) + 1) / (max(fatal_a, fatal_b) + 1),
        "rule_match": float(rule_match),
        "sentence_char_cosine": _cosine(chars_a, chars_b),
        "sentence_word_cosine": _cosine(words_a, words_b),
        "shared_number": float(bool(numbers_a & numbers_b)),
        "a_summary": float(classify_event(a).summary or classify_event(b).summary),
    }


FEATURES = (  # pair_features' keys, in the order of the model file
    "both_events", "same_type", "same_sub_event_type", "compatible_types", "chemical_attack", "days_apart",
    "same_day", "within_a_day", "least_time_precision", "dated_by_telling", "log_km", "within_10km", "same_place",
    "same_admin2", "same_admin1", "least_geo_precision", "actors_overlap", "actors_conflict", "both_tolls",
    "same_toll", "toll_ratio", "rule_match", "sentence_char_cosine", "sentence_word_cosine", "shared_number",
    "a_summary")


class MergeModel(BaseModel):
    """A logistic model over ``pair_features``: each feature is standardised by its training
    ``mean`` and ``scale``, weighted, summed with the ``intercept``; two reports the rule matches
    are one incident when the probability is at least ``threshold``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    intercept: float
    threshold: float = Field(ge=0.0, le=1.0)
    weights: dict[str, float]
    means: dict[str, float]
    scales: dict[str, float]
    trained_on: str = ""

    @model_validator(mode="after")
    def _every_feature_once(self) -> MergeModel:
        for name, table in (("weights", self.weights), ("means", self.means), ("scales", self.scales)):
            if set(table) != set(FEATURES):
                missing, unknown = set(FEATURES) - set(table), set(table) - set(FEATURES)
                raise ValueError(f"{name}: missing {sorted(missing)}, unknown {sorted(unknown)}")
        if any(scale <= 0 for scale in self.scales.values()):
            raise ValueError("scales must be positive")
        return self

    def probability(self, a: Any, b: Any, rule_match: bool | None = None) -> float:
        features = pair_features(a, b, rule_match)
        z = self.intercept + sum(self.weights[name] * (features[name] - self.means[name]) / self.scales[name]
                                 for name in FEATURES)
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))

    def same(self, a: Any, b: Any) -> bool:
        return self.probability(a, b) >= self.threshold


DEFAULT_MODEL = "merge_model.yaml"


def load_merge_model(path: Path | None = None) -> MergeModel:
    """The model in ``path``, else the one shipped in ``rasd/data/dedupe``; a malformed file is a
    clear error at start-up (pydantic names the field)."""
    if path is None:
        text = resources.files("rasd.data.dedupe").joinpath(DEFAULT_MODEL).read_text(encoding="utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return MergeModel.model_validate(yaml.safe_load(text))


@functools.cache
def default_merge_model() -> MergeModel:
    """The model in ``$RASD_MERGE_MODEL`` (a file as ``train_merge_model.py --write --out`` writes
    it: an analyst's model fitted on their own labelled pairs), else the shipped one. Read once per
    process."""
    path = os.environ.get("RASD_MERGE_MODEL")
    return load_merge_model(Path(path) if path else None)
