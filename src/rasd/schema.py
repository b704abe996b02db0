"""The records rasd reads and writes: Article in, Event out, and their serialisations.

``Event`` is an ACLED-model record (the 31 export columns, names exactly as ACLED's) plus rasd's
own fields: provenance (``doc_id``, ``source_sentence``, per-field ``evidence`` spans and the
lexicon entry or rule behind each field in ``explain``), UCDP precisions and the fatality triple,
and a ``status`` that separates coded events from candidates awaiting review.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ACLED_COLUMNS: tuple[str, ...] = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
)
RASD_COLUMNS: tuple[str, ...] = (
    "doc_id", "status", "reason", "where_prec", "date_prec", "fatalities_low", "fatalities_best",
    "fatalities_high", "location_ar", "place_id", "source_sentence", "evidence", "explain",
)

# ACLED's hierarchy (CODING.md 1.3): event types and their sub-event types, highest first.
EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Government regains territory", "Non-state actor overtakes territory", "Armed clash"),
    "Protests": ("Excessive force against protesters", "Protest with intervention", "Peaceful protest"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Explosions/Remote violence": (
        "Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED", "Grenade",
    ),
    "Violence against civilians": ("Sexual violence", "Attack", "Abduction/forced disappearance"),
    "Strategic developments": (
        "Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
        "Headquarters or base established", "Looting/property destruction",
        "Non-violent transfer of territory", "Other",
    ),
}
SUB_EVENT_TO_TYPE: dict[str, str] = {s: t for t, subs in EVENT_TYPES.items() for s in subs}

INTER_NAMES: dict[int, str] = {
    1: "State forces", 2: "Rebel group", 3: "Political militia", 4: "Identity militia",
    5: "Rioters", 6: "Protesters", 7: "Civilians", 8: "External/Other forces",
}


class Article(BaseModel):
    """One news article as rasd reads it."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1, max_length=512)
    published: dt.date
    text: str
    title: str = ""
    url: str = ""
    source: str = ""

    @field_validator("title", "url", "source", mode="before")
    @classmethod
    def _none_to_empty(cls, value: Any) -> Any:
        return "" if value is None else value


class Span(BaseModel):
    """Character offsets into the article text as given: ``text[start:end] == span.text``."""

    model_config = ConfigDict(frozen=True)

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


Status = Literal["event", "candidate"]


class Event(BaseModel):
    """An ACLED-model event record with rasd's provenance fields."""

    model_config = ConfigDict(extra="forbid")

    # --- the 31 ACLED export columns, in ACLED's order ---
    event_id_cnty: str = ""
    event_date: dt.date | None = None
    year: int | None = None
    time_precision: int | None = Field(default=None, ge=1, le=3)
    disorder_type: str = ""
    event_type: str
    sub_event_type: str
    actor1: str = ""
    assoc_actor_1: str = ""
    inter1: str = ""
    actor2: str = ""
    assoc_actor_2: str = ""
    inter2: str = ""
    interaction: str = ""
    civilian_targeting: str = ""
    iso: int | None = None
    region: str = "Middle East"
    country: str = ""
    admin1: str = ""
    admin2: str = ""
    admin3: str = ""
    location: str = ""
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = Field(default=None, ge=1, le=3)
    source: str = ""
    source_scale: str = ""
    notes: str = ""
    fatalities: int = Field(default=0, ge=0)
    tags: str = ""
    timestamp: int | None = None
    # --- rasd's own fields ---
    doc_id: str = ""
    status: Status = "event"
    reason: str = ""
    where_prec: int | None = Field(default=None, ge=1, le=7)
    date_prec: int | None = Field(default=None, ge=1, le=5)
    fatalities_low: int = Field(default=0, ge=0)
    fatalities_best: int = Field(default=0, ge=0)
    fatalities_high: int = Field(default=0, ge=0)
    location_ar: str = ""
    place_id: str = ""
    source_sentence: str = ""
    evidence: dict[str, Span] = Field(default_factory=dict)
    explain: dict[str, str] = Field(default_factory=dict)

    @field_validator("sub_event_type")
    @classmethod
    def _known_sub_event(cls, value: str) -> str:
        if value not in SUB_EVENT_TO_TYPE:
            raise ValueError(f"unknown ACLED sub-event type: {value!r}")
        return value

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON Lines form: ACLED columns first, then rasd's, dates as ISO strings."""
        data = self.model_dump(mode="json")
        return {k: data[k] for k in (*ACLED_COLUMNS, *RASD_COLUMNS)}

    def to_flat_row(self) -> dict[str, Any]:
        """A flat row for CSV and tables: nested fields become JSON strings."""
        import json

        row = self.to_json_dict()
        row["evidence"] = json.dumps(row["evidence"], ensure_ascii=False)
        row["explain"] = json.dumps(row["explain"], ensure_ascii=False)
        return row
