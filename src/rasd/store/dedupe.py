"""Deduplication: is a new report the same real event as a stored one, and how are they merged.

The functions are pure (no database, no clock): ``same_incident`` (the rule) and ``one_incident``
(the rule, then the merge model) decide, ``merge_events`` combines. The store calls them for every
new located, dated event against stored events of the same type in the widest date window
(``MAX_WINDOW_DAYS``).

The rule (issue 5; measured in docs/ACCURACY.md, "Deduplication"):

- **type**: the same ACLED ``sub_event_type`` (the issue asked for the same ``event_type``; on the
  labelled pairs that merged air strikes into the chemical attack of the next day and shelling into
  air strikes: precision 0.53. The sub-event type raised it to 0.75, see docs/ACCURACY.md), or a
  pair of sub-event types that outlets use for one act and ACLED's conventions settle
  (``SAME_ACT_TYPES``: a chemical attack on civilians is a Chemical weapon event, whichever outlet
  calls it an Attack; an arrest told without its perpetrator is coded an abduction, a burning by
  men not called a crowd looting);
- **date**: within ±1 day, wider when either date is imprecise: ±4 days when a week is known
  (``time_precision`` 2, ACLED records mid-week), ±16 days when only a month is (precision 3,
  ACLED records mid-month). Two reports of a chemical attack (``UNIQUE_ACT_TYPES``: a handful a
  year) take ±16 days whatever their precision: re-tellings a week later are often dated to
  their own article (session 4: +4 true merges on the first labelled set, +3 on the third, none
  false on the first three sets);
- **place**: the same admin1 *and* admin2, or within 10 km (haversine). A report placed only to its
  region (``geo_precision`` 3: a governorate's centre) matches only within 10 km: it cannot say
  which district, and the same governorate alone merged a Mandali car bomb with the Khan Bani Saad
  bombing and a Yemen ambush mis-placed in Aleppo with an assault on Kuweires (session 4,
  docs/ACCURACY.md). When both reports name a town precisely (``geo_precision`` 1), they must be
  within 2 km: ACLED's event is one location on one day, and two named towns 5 km apart are two
  events;
- **actors**: not conflicting. Each side's named actors (generic fillers such as "Unidentified
  Armed Group" or "Civilians" say nothing either way and are ignored) must overlap when both
  reports name any. Not for two reports of a chemical attack (``UNIQUE_ACT_TYPES``): its
  perpetrator is what outlets dispute (the regime, the rebels, "a staged attack"), and the
  Douma attack was stored as four events by attribution (session 5);
- **clarity**: a summary (a campaign, several days, a cumulative toll: ``rasd.extract.clarity``
  reads it from the source sentence) is never the same event as a report of one day or week
  (time precision 1 or 2). ACLED codes one event per day and place and does not code a campaign
  summary as one of its days; merging them would also replace the day's toll with the campaign's
  or the reverse. Two summaries of one campaign may merge, and so may a summary and a record
  known only to the month (precision 3), which is no more a single day than the summary is;
- **report date**: a report the extractor could date only by the day it was told (no date words
  for the act: the article's or the statement's day, coded as a week: ``time_precision`` 2 with
  UCDP ``date_prec`` 2, ``reported_day_only``) is the same incident as a report dated to its day
  or week only when it was told on that day or the day after (the day's news); two such reports
  only when told on the same day. In a contested town strikes, clashes and protests happen every
  day, and such a report (often a generic or background mention: "the bombardment", "the protests
  in Basra") could be any of the week's (session 4: 15 of the 19 false merges of the first two
  labelled sets have such a report; the test refuses 13 of them, and 2 of the 7 true merges of
  such a report outside chemical attacks). Not for a record known only to the month (its own
  window), nor for a chemical attack (``UNIQUE_ACT_TYPES``: a handful a year, so an undated
  mention of one in that town is that one; 22 true merges of the first two sets).
- **named day**: two reports dated to the day (``time_precision`` 1) on different days, one of which
  names its day in its own sentence (a weekday, a date in figures, "yesterday"), while the other
  names another day or inherits its day from its paragraph or the article's lead, are two acts
  (``named_another_day``): the ±1-day window is for outlets that date one act differently, not for
  the next day's fighting in the same town (session 4, second round: 4 of the 13 false merges of
  the first three labelled sets, Daraa's attack on Tuesday and the clashes at its air base on
  Wednesday, Saqba retaken on Saturday and Sunday's summary; 1 true merge lost, Putin's truce
  requested on Monday for Tuesday). Not for a chemical attack.

**The merge model.** The rule says whether two reports *may* be one incident; on unseen labelled
pairs a third of the pairs it lets through are two (one day's strike and its campaign, a veto and
the attack it is about, two strikes on one town a day apart). ``one_incident`` asks the merge model
(``rasd.store.linker``: a logistic model over features of the pair, sentences included, fitted on
the labelled design pairs; its weights are the data file ``rasd/data/dedupe/merge_model.yaml``)
about every pair the rule matches, and keeps the pair only when the model's probability reaches
its threshold (session 8). A record with no sentence (typed in by an analyst) is decided by the
rule alone.

**Joins at the store.** A new report merges into the oldest stored event it is the same incident
as (``one_incident``) by the event's merged record or by any of its reports as their articles
coded them (``matches_incident``: the merged record drifts from each report); a stored event takes
one report per article (``one_report_per_article``: the extractor splits on purpose), except for a
chemical attack; a report that matches several stored events joins them only when they are one
incident themselves, by any two of their records or reports (``incidents_may_join``: sameness is
not transitive).

A merge keeps the stored ``event_id_cnty``, appends the new source (ACLED's ``source`` is
``;``-separated), keeps the most precise place and the most precise date, and takes fatalities
by ACLED's conservative rule (the lowest reported figure) while keeping UCDP's low/best/high.

**Attachment.** A later article that re-tells a past event with its place and date (the extractor
makes it a ``background`` candidate: ``ATTACH_REASONS``) is one more source of that event, as
ACLED lists every source that reported an event. When such a candidate is the same incident as a
stored event by the rule above (read as if it were a report), the store attaches the article to
that event (``attach_source``: its ``source`` and report count grow, no coded field changes: a
re-telling says nothing new about the day) instead of queueing a candidate. ``store_decision``
says what the store does with two records: merge, attach, or neither. A ``summary`` candidate of a
chemical attack (``UNIQUE_ACT_ATTACH_REASONS``: "the vetoes since 2011, the last on the chemical
attack in Douma") is attached in the same way: the sentence sums up a period, but the attack it
names is one act, so the summary test does not apply to chemical attacks.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass
from collections.abc import Sequence
from typing import Any, Protocol

from rasd.code import interaction
from rasd.extract.clarity import _span, classify_event
from rasd.schema import INTER_NAMES, Event

EARTH_RADIUS_KM = 6371.0088
NEAR_KM = 10.0
# Two reports of an act of ``UNIQUE_ACT_TYPES`` this close are one act whatever their precisions:
# outlets place the Douma attack in Douma or "near Damascus" (the capital's centre, ~10 km away).
UNIQUE_ACT_KM = 15.0
SAME_TOWN_KM = 2.0  # two precisely placed reports further apart than this name different towns
DATE_WINDOW_DAYS = {1: 1, 2: 4, 3: 16}
MAX_WINDOW_DAYS = max(DATE_WINDOW_DAYS.values())
# Actor names that do not identify anyone: an unnamed attacker may well be the named one of
# another report, and victims are not a side that can conflict.
_GENERIC_ACTOR_PREFIXES = ("Unidentified", "Civilians", "Protesters", "Rioters", "Prisoners", "Refugees")


class EventLike(Protocol):
    """What the decision reads: a ``rasd.schema.Event``, or a stored row (same field names), so
    the store can test stored rows without building an ``Event`` for each. ``coded_fields_agree``
    reads all but the last two. ``same_incident`` also reads ``date_prec`` (``reported_day_only``),
    of whole rows."""

    @property
    def status(self) -> str: ...  # read-only, so that an Event's Literal["event", "candidate"] conforms

    event_type: str
    sub_event_type: str
    event_date: dt.date | None
    time_precision: int | None
    country: str
    admin1: str
    admin2: str
    latitude: float | None
    longitude: float | None
    geo_precision: int | None
    actor1: str
    actor2: str
    assoc_actor_1: str
    assoc_actor_2: str
    source_sentence: str
    evidence: Any  # Span by name, or its JSON (dict) in a stored row


TypeKey = tuple[str, str]  # (event_type, sub_event_type)
# Sub-event types that outlets give one act and ACLED's conventions settle, the preferred first: a
# chemical attack on civilians is coded Chemical weapon (measured in docs/ACCURACY.md; Peaceful
# protest / Violent demonstration was measured too and not kept).
SAME_ACT_TYPES: tuple[tuple[TypeKey, TypeKey], ...] = (
    (("Explosions/Remote violence", "Chemical weapon"), ("Violence against civilians", "Attack")),
    # One detention or one burning coded by who did it (rasd.code: state forces arrest, anyone
    # else abducts; a crowd riots, armed men loot): when one outlet names the perpetrator and the
    # other does not, one act. Named perpetrators that differ still conflict (the actors test).
    # Session 5: +2 true joins at the store on the design sets (an arrest in Latakia, the Iranian
    # consulate in Basra), no false one.
    (("Strategic developments", "Arrests"), ("Violence against civilians", "Abduction/forced disappearance")),
    (("Riots", "Violent demonstration"), ("Strategic developments", "Looting/property destruction")),
)
# Sub-event types of acts so rare (a handful a year) that an undated mention of one in a town is
# the one of that week: exempt from the report-date test (``reported_day_only``). Chemical weapon
# only (the Douma and Khan Shaykhun attacks; measured in docs/ACCURACY.md, session 4).
UNIQUE_ACT_TYPES: frozenset[TypeKey] = frozenset({("Explosions/Remote violence", "Chemical weapon")})
# Candidate reasons the store attaches to a stored event of the same incident, as a source.
ATTACH_REASONS = frozenset({"background"})
# ... and those it attaches only for an act of ``UNIQUE_ACT_TYPES``: a sentence that sums up a period
# ("Russia's twelve vetoes since 2011, the last on the chemical attack in Douma") is a summary, but
# the chemical attack it names is that one act (session 4, second round, docs/ACCURACY.md).
UNIQUE_ACT_ATTACH_REASONS = frozenset({"summary"})
# The date evidence of a report that names the day of its act in its own sentence: a weekday, a
# date in figures, or the day of telling ("أمس", "اليوم"); not a period ("منذ أيام").
_DAY_WORDS = ("الأحد", "الاحد", "الإثنين", "الاثنين", "الثلاثاء", "الأربعاء", "الاربعاء", "الخميس", "الجمعة",
              "السبت", "أمس", "امس", "البارحة", "اليوم")


@dataclass(frozen=True, slots=True)
class Decision:
    same: bool
    reason: str  # why not (or "match: <by what>"), for the audit log and the evaluation


@functools.cache  # called for every pair the store compares; a few dozen types exist
def matching_types(event_type: str, sub_event_type: str) -> tuple[TypeKey, ...]:
    """The (event type, sub-event type) pairs a report of this type may be the same act as: its
    own first, then those of ``SAME_ACT_TYPES``."""
    key = (event_type, sub_event_type)
    return (key, *(b if a == key else a for a, b in SAME_ACT_TYPES if key in (a, b)))


def same_type(a: EventLike, b: EventLike) -> bool:
    return (b.event_type, b.sub_event_type) in matching_types(a.event_type, a.sub_event_type)


def attachable(event: Any) -> bool:
    """A candidate the store attaches to a stored event of the same incident as one more source:
    a re-telling of a past event (``ATTACH_REASONS``), or a summary naming a chemical attack
    (``UNIQUE_ACT_ATTACH_REASONS``), that has a place and a date."""
    return (event.status == "candidate" and event.event_date is not None
            and (event.reason in ATTACH_REASONS or event.reason in UNIQUE_ACT_ATTACH_REASONS
                 and unique_act(event))
            and event.latitude is not None and event.longitude is not None)


def as_report(event: Event) -> Event:
    """An attachable candidate read as a report, for the merge rule (which compares events only)."""
    return event.model_copy(update={"status": "event"})


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def within_km(lat1: float, lon1: float, lat2: float, lon2: float, km: float) -> bool:
    """``haversine_km(...) <= km``, rejecting first, exactly and cheaply, the pairs whose difference
    of latitude alone is longer (a great circle is never shorter than its north-south part): most
    pairs the store compares are towns of one governorate tens of km apart."""
    if EARTH_RADIUS_KM * abs(math.radians(lat2 - lat1)) > km + 1e-6:
        return False
    return haversine_km(lat1, lon1, lat2, lon2) <= km


def window_days(precision_a: int | None, precision_b: int | None, unique_act: bool = False) -> int:
    """The date tolerance for two reports of these time precisions: that of the less precise one;
    the widest for two reports of an act of ``UNIQUE_ACT_TYPES`` (``unique_act``)."""
    if unique_act:
        return MAX_WINDOW_DAYS
    precision = max(precision_a or 1, precision_b or 1)
    return DATE_WINDOW_DAYS.get(precision, MAX_WINDOW_DAYS)


def unique_act(event: EventLike) -> bool:
    """The report is of an act of ``UNIQUE_ACT_TYPES`` (a chemical attack)."""
    return (event.event_type, event.sub_event_type) in UNIQUE_ACT_TYPES


def unique_act_pair(type_a: TypeKey, type_b: TypeKey) -> bool:
    """Both reports are of an act of ``UNIQUE_ACT_TYPES`` (the date window is then the widest)."""
    return type_a in UNIQUE_ACT_TYPES and type_b in UNIQUE_ACT_TYPES


def date_window_days(a: EventLike, b: EventLike) -> int:
    """The tolerance for two reports: that of the less precise one (``window_days``)."""
    return window_days(a.time_precision, b.time_precision,
                       unique_act_pair((a.event_type, a.sub_event_type), (b.event_type, b.sub_event_type)))


def named_actors(event: EventLike) -> frozenset[str]:
    names = (event.actor1, event.actor2, *event.assoc_actor_1.split(";"), *event.assoc_actor_2.split(";"))
    return frozenset(n.strip() for n in names if n.strip() and not n.strip().startswith(_GENERIC_ACTOR_PREFIXES))


def same_place(a: EventLike, b: EventLike) -> str | None:
    """How the two places agree ("same town", "unique act", "10km", "admin2"), or None. A report
    placed only to its region agrees by distance only (no "region" match since session 4); two
    reports of an act of ``UNIQUE_ACT_TYPES`` agree within ``UNIQUE_ACT_KM`` (session 5)."""
    if a.country != b.country or not a.country:
        return None
    lat_a, lon_a, lat_b, lon_b = a.latitude, a.longitude, b.latitude, b.longitude
    if lat_a is not None and lon_a is not None and lat_b is not None and lon_b is not None:
        both_towns = a.geo_precision == 1 and b.geo_precision == 1
        if both_towns and within_km(lat_a, lon_a, lat_b, lon_b, SAME_TOWN_KM):
            return "same town"
        if unique_act(a) and unique_act(b) and within_km(lat_a, lon_a, lat_b, lon_b, UNIQUE_ACT_KM):
            return "unique act"
        if both_towns:
            return None  # two named towns further apart than one town
        if within_km(lat_a, lon_a, lat_b, lon_b, NEAR_KM):
            return "10km"
    if a.admin1 and a.admin1 == b.admin1 and a.admin2 and a.admin2 == b.admin2:
        return "admin2"
    return None


def may_join(first: EventLike, other: EventLike) -> bool:
    """A report that is the same incident as two stored events (``first``, the one it merges into,
    and ``other``) joins them into one only when they are the same incident by the rule themselves
    (two stored events with reports of one article may be joined so: refusing that lost 8 true
    joins and no false one on the design sets, session 5). Sameness is not transitive: a report
    known to the month and the region matches every day's event of the campaign, and joining them
    all through it made one record of a month of fighting (session 5: ingesting the development
    corpus withdrew 335 stored events that way, several into one 43-source "regains territory"
    event spanning 24 Feb to 1 Apr 2018, and the Douma attack's main record was dated 20 March;
    docs/ACCURACY.md)."""
    return one_incident(first, other).same


def one_report_per_article(event: EventLike) -> bool:
    """Whether a stored event may take at most one report of an article. The extractor keeps two
    records of one article apart on purpose (two strikes, "another explosion east of the city"),
    so a stored event that has a report of an article is not the same incident as another record
    of it. Not for an act of ``UNIQUE_ACT_TYPES``: an article naming a chemical attack twice
    (dated once from the attack's day and once from the statement's) tells one attack."""
    return not unique_act(event)


def same_incident(a: EventLike, b: EventLike) -> Decision:
    """Whether two located, dated reports describe the same real event."""
    decision = coded_fields_agree(a, b)
    if decision.same and summary_and_single_day(a, b):
        return Decision(False, "summary")
    if decision.same and told_on_another_day(a, b):
        return Decision(False, "report date")
    if decision.same and named_another_day(a, b):
        return Decision(False, "named day")
    return decision


def one_incident(a: EventLike, b: EventLike) -> Decision:
    """The store's decision for two reports: the rule (``same_incident``) says whether they may be
    one incident, and the merge model (``rasd.store.linker``) whether they are: a pair the rule
    matches is one incident only when the model's probability reaches its threshold (session 8:
    on the unseen labelled pairs the rule alone joins 0.62 / 0.82, and a store that merged by it
    made one record of two acts in three joins; docs/ACCURACY.md)."""
    decision = same_incident(a, b)
    if not decision.same or not (a.source_sentence and b.source_sentence):
        return decision  # a record with no sentence (typed in by an analyst) gives the model nothing to read
    from rasd.store.linker import default_merge_model  # the model's features read this module's rule

    model = default_merge_model()
    probability = model.probability(a, b, rule_match=True)
    if probability < model.threshold:
        return Decision(False, f"model {probability:.2f}")
    return Decision(True, f"{decision.reason} (model {probability:.2f})")


def matches_incident(record: EventLike, reports: Sequence[EventLike], event: EventLike) -> Decision:
    """Whether ``event`` is one more report of a stored incident: the same incident (``one_incident``)
    as its merged record or as any of its ``reports`` (as their articles coded them). A merged record
    drifts from each report (the most precise place of one, the date of another, the named actor of a
    third), so a new report told like one of them may no longer match the whole (session 8: the
    stored reports raised the unseen pairs' recall from 0.615 to 0.629 with the model). The decision
    is the first that joins (its reason says by what, for the audit log), else the merged record's."""
    first = one_incident(record, event)
    if first.same:
        return first
    for report in reports:
        if (decision := one_incident(report, event)).same:
            return Decision(True, f"{decision.reason}, by a report")
    return first


def incidents_may_join(first: EventLike, first_reports: Sequence[EventLike], other: EventLike,
                       other_reports: Sequence[EventLike]) -> bool:
    """``may_join`` between two stored incidents, by their merged records or any of their reports
    (session 8: +16 true and +13 false joins of unseen pairs; joining every pair of incidents that one
    report matches made one 27-report, 17-day record of the Afrin campaign again)."""
    return any(may_join(mine, theirs) for mine in (first, *first_reports) for theirs in (other, *other_reports))


def store_decision(a: Event, b: Event) -> Decision:
    """What the store does with two records of different articles, in either order: two events
    that are the same incident are merged ("match: ..."); an attachable candidate and an event of
    the same incident are one event with one more source ("attach: ..."); nothing else is joined
    (two candidates, or any other candidate). For the pairwise evaluation (docs/ACCURACY.md)."""
    if a.status == "event" and b.status == "event":
        return one_incident(a, b)
    if attachable(a) and b.status == "event" or attachable(b) and a.status == "event":
        decision = one_incident(as_report(a) if a.status != "event" else a,
                                as_report(b) if b.status != "event" else b)
        return Decision(True, "attach: " + decision.reason.removeprefix("match: ")) if decision.same else decision
    return Decision(False, "candidate")


def coded_fields_agree(a: EventLike, b: EventLike) -> Decision:
    """``same_incident`` without the clarity test: status, type, date, place and actors only.
    The store runs it over a whole date window, reading only these columns, and then
    ``same_incident`` on the few rows that pass (the sentences are larger to read)."""
    if a.status != "event" or b.status != "event":
        return Decision(False, "candidate")
    if not same_type(a, b):
        return Decision(False, "type")
    if a.event_date is None or b.event_date is None:
        return Decision(False, "undated")
    if abs((a.event_date - b.event_date).days) > date_window_days(a, b):
        return Decision(False, "date")
    place = same_place(a, b)
    if place is None:
        return Decision(False, "place")
    actors_a, actors_b = named_actors(a), named_actors(b)
    if actors_a and actors_b and not actors_a & actors_b and not (unique_act(a) and unique_act(b)):
        return Decision(False, "actors")
    return Decision(True, f"match: {place}")


def reported_day_only(event: EventLike) -> bool:
    """The extractor found no date for the act and dated it by the day it was told (the article's
    publication or the statement's day), as a week: ``rasd.pipeline`` codes that, and only that,
    as time precision 2 with UCDP date_prec 2 (a week read from the text is date_prec 3)."""
    return event.time_precision == 2 and getattr(event, "date_prec", None) == 2


def told_on_another_day(a: EventLike, b: EventLike) -> bool:
    """A report dated only by the day it was told (``reported_day_only``) and a report of another
    day: told before the act, or two days or more after it (the module docstring has the rule)."""
    undated_a, undated_b = reported_day_only(a), reported_day_only(b)
    if not (undated_a or undated_b) or 3 in (a.time_precision, b.time_precision):
        return False
    if unique_act(a) or unique_act(b):
        return False
    assert a.event_date is not None and b.event_date is not None  # coded_fields_agree passed
    if undated_a and undated_b:
        return a.event_date != b.event_date
    undated, dated = (a, b) if undated_a else (b, a)
    return not 0 <= (undated.event_date - dated.event_date).days <= 1  # type: ignore[operator]


def _date_text(event: EventLike) -> str | None:
    """The text of the report's own date evidence (a date word in its sentence), or None when its
    date was inherited (from the paragraph or the article's lead)."""
    span = _span(event.evidence.get("date")) if event.evidence else None
    return None if span is None else span[2].strip()


def names_its_day(event: EventLike) -> bool:
    """The report's own sentence names the day of its act: its date evidence is a weekday, a date
    in figures or "yesterday" / "today" (``_DAY_WORDS``), not a period ("منذ أيام")."""
    text = _date_text(event)
    return (text is not None and not text.startswith("منذ")
            and (any(ch.isdigit() for ch in text) or any(word in text for word in _DAY_WORDS)))


def named_another_day(a: EventLike, b: EventLike) -> bool:
    """Two reports dated to the day (time precision 1) on different days, one of which names its
    day in its own sentence while the other names another day or inherits its day from its
    paragraph or article: two acts (two named days that differ are two days, and a day inherited
    from the context is that context's day). Not when the other report's day comes from a vague
    word of its own ("منذ أيام", read as a day), nor for a chemical attack (``UNIQUE_ACT_TYPES``:
    outlets date the Douma attack to the 7th or the 8th)."""
    if a.event_date == b.event_date or (a.time_precision or 1) != 1 or (b.time_precision or 1) != 1:
        return False
    if unique_act(a) or unique_act(b):
        return False
    named_a, named_b = names_its_day(a), names_its_day(b)
    return (named_a and (named_b or _date_text(b) is None)) or (named_b and _date_text(a) is None)


def summary_and_single_day(a: EventLike, b: EventLike) -> bool:
    """One report sums up a campaign or period, the other tells one day (or week) of it. Not for a
    chemical attack (``UNIQUE_ACT_TYPES``): a sentence that sums up a period names that one act."""
    if unique_act(a) or unique_act(b):
        return False
    summary_a, summary_b = classify_event(a).summary, classify_event(b).summary
    if summary_a == summary_b:
        return False
    single = b if summary_a else a
    return (single.time_precision or 1) <= 2


def _join_sources(*values: str) -> str:
    seen: dict[str, None] = {}
    for value in values:
        for part in value.split(";"):
            if part.strip():
                seen.setdefault(part.strip(), None)
    return "; ".join(seen)


def _precision_key(precision: int | None) -> int:
    return precision if precision is not None else 9


def attach_source(kept: Event, new: Event, timestamp: int) -> Event:
    """``kept`` (a stored event) with the source of ``new`` (an attachable candidate of the same
    incident) appended; nothing else changes but the timestamp."""
    return kept.model_copy(update={"source": _join_sources(kept.source, new.source), "timestamp": timestamp})


def merge_events(kept: Event, new: Event, timestamp: int) -> Event:
    """``kept`` (the stored record, whose id survives) updated with the report ``new``."""
    update: dict[str, object] = {"timestamp": timestamp}
    # Type: two sub-event types of one act (SAME_ACT_TYPES) become the preferred one.
    for preferred, other in SAME_ACT_TYPES:
        if (kept.event_type, kept.sub_event_type) == other and (new.event_type, new.sub_event_type) == preferred:
            update.update(event_type=new.event_type, sub_event_type=new.sub_event_type,
                          disorder_type=new.disorder_type)
    # Place: the more precise report supplies every geographic field (and the notes, which name
    # the place); ties keep the stored record, so ids and maps do not flicker.
    if (_precision_key(new.geo_precision), _precision_key(new.where_prec)) < (
            _precision_key(kept.geo_precision), _precision_key(kept.where_prec)):
        for name in ("admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
                     "where_prec", "location_ar", "place_id", "iso", "country", "notes"):
            update[name] = getattr(new, name)
    # Date: the same, by time precision.
    if (_precision_key(new.time_precision), _precision_key(new.date_prec)) < (
            _precision_key(kept.time_precision), _precision_key(kept.date_prec)):
        for name in ("event_date", "year", "time_precision", "date_prec"):
            update[name] = getattr(new, name)
    update["source"] = _join_sources(kept.source, new.source)
    # Fatalities: ACLED records the most conservative of conflicting reports, and "no report"
    # (0) is not a conflicting report. low is the lowest reported, high the highest, and best the
    # highest best within them: later reports usually update a toll upwards as bodies are found.
    reported_low = [e.fatalities_low or e.fatalities for e in (kept, new) if (e.fatalities_low or e.fatalities) > 0]
    low = min(reported_low) if reported_low else 0
    high = max(kept.fatalities_high, new.fatalities_high, low)
    best = min(max(kept.fatalities_best, new.fatalities_best, low), high)
    update.update(fatalities=low, fatalities_low=low, fatalities_best=best, fatalities_high=high)
    # Actors: a named actor beats an unidentified one (with its inter code); the interaction
    # text is then recomputed from the two inter codes, as rasd.code does.
    replaced = False
    for side in ("1", "2"):
        mine, theirs = getattr(kept, f"actor{side}"), getattr(new, f"actor{side}")
        if theirs and not theirs.startswith("Unidentified") and (not mine or mine.startswith("Unidentified")):
            update[f"actor{side}"] = theirs
            update[f"inter{side}"] = getattr(new, f"inter{side}")
            update[f"assoc_actor_{side}"] = getattr(new, f"assoc_actor_{side}")
            replaced = True
    if replaced:
        codes = {name: number for number, name in INTER_NAMES.items()}
        inter1 = codes.get(str(update.get("inter1", kept.inter1)))
        inter2 = codes.get(str(update.get("inter2", kept.inter2)))
        update["interaction"] = interaction(inter1, inter2)
    return kept.model_copy(update=update)
