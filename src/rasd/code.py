"""Coding: an event draft becomes an ACLED-model ``Event`` record (CODING.md).

Fills what ACLED derives from the extracted fields: disorder type, inter codes (a state force
abroad is External/Other), interaction ("State forces-Rebel group", or "Rebel group only"),
civilian targeting, precision codes, the English note in ACLED's pattern ("On 12 November 2021,
ISIS detonated an IED ... near al-Hasakah (Al-Hasakah)."), and the status: an event with no place
below country level, or no resolvable date, is a candidate with its reason, never an event.
"""

from __future__ import annotations

from rasd.extract.actors import ActorEntry
from rasd.extract.events import Draft
from rasd.normalize import NormText
from rasd.schema import INTER_NAMES, Event, Span

DISORDER = {
    "Battles": "Political violence",
    "Explosions/Remote violence": "Political violence",
    "Violence against civilians": "Political violence",
    "Protests": "Demonstrations",
    "Riots": "Demonstrations",
    "Strategic developments": "Strategic developments",
}
_VERBS = {
    "Government regains territory": "regained control of",
    "Non-state actor overtakes territory": "took control of",
    "Armed clash": "clashed with",
    "Excessive force against protesters": "used force against protesters",
    "Protest with intervention": "protested; the protest was dispersed",
    "Peaceful protest": "held a protest",
    "Violent demonstration": "rioted",
    "Mob violence": "engaged in mob violence",
    "Chemical weapon": "used chemical weapons",
    "Air/drone strike": "carried out an air/drone strike",
    "Suicide bomb": "carried out a suicide bombing",
    "Shelling/artillery/missile attack": "shelled or fired missiles",
    "Remote explosive/landmine/IED": "detonated an explosive device",
    "Grenade": "threw a grenade",
    "Sexual violence": "committed sexual violence",
    "Attack": "attacked",
    "Abduction/forced disappearance": "abducted",
    "Agreement": "reached an agreement",
    "Arrests": "arrested",
    "Change to group/activity": "carried out military activity (movement, patrol or exercise)",
    "Disrupted weapons use": "disrupted weapons use",
    "Headquarters or base established": "established a base",
    "Looting/property destruction": "looted or destroyed property",
    "Non-violent transfer of territory": "took over territory without fighting",
    "Other": "was involved in a strategic development",
}
_CIVILIAN_TARGETING_TYPES = {"Explosions/Remote violence", "Riots", "Violence against civilians"}


def _inter(entry: ActorEntry | None, default_name: str, country_iso2: str | None) -> int | None:
    if entry is not None:
        return entry.inter_in(country_iso2)
    if default_name.startswith("Protesters"):
        return 6
    if default_name.startswith("Rioters"):
        return 5
    if default_name.startswith("Civilians"):
        return 7
    if default_name.startswith("Unidentified Armed Group"):
        return 3
    if default_name.startswith("Unidentified Military Forces"):
        return 8
    return None


def interaction(inter1: int | None, inter2: int | None) -> str:
    """ACLED's interaction text: the two inter codes' names, lower first, or 'X only'."""
    codes = sorted(c for c in (inter1, inter2) if c)
    if not codes:
        return ""
    if len(codes) == 1:
        return f"{INTER_NAMES[codes[0]]} only"
    return f"{INTER_NAMES[codes[0]]}-{INTER_NAMES[codes[1]]}"


def _span(norm: NormText, start: int, end: int) -> Span:
    s, e = norm.span_to_original(start, end)
    return Span(start=s, end=e, text=norm.original[s:e])


def _date_words(d) -> str:  # type: ignore[no-untyped-def]
    return f"{d.day} {d.strftime('%B')} {d.year}"


def build_note(event: Event) -> str:
    """ACLED's note pattern: date, actor, action, place with its admin hierarchy."""
    when = f"On {_date_words(event.event_date)}" if event.event_date else "On an unknown date"
    if event.time_precision == 2:
        when = f"Around {_date_words(event.event_date)}" if event.event_date else when
    elif event.time_precision == 3 and event.event_date:
        when = f"In {event.event_date.strftime('%B')} {event.event_date.year}"
    who = event.actor1 or "Unidentified actors"
    verb = _VERBS[event.sub_event_type]
    target = f" {event.actor2}" if event.actor2 and event.sub_event_type in (
        "Armed clash", "Attack", "Abduction/forced disappearance", "Arrests") else ""
    against = f" targeting {event.actor2}" if event.actor2 and not target and event.event_type != "Protests" else ""
    if event.location:
        admin = ", ".join(a for a in (event.admin2, event.admin1) if a and a != event.location)
        near = "near " if event.geo_precision and event.geo_precision >= 2 else "in "
        where = f" {near}{event.location}" + (f" ({admin})" if admin else "")
    else:
        where = f" in {event.country}" if event.country else ""
    text = f"{when}, {who} {verb}{target}{against}{where}."
    if event.fatalities:
        text += f" {event.fatalities} fatalit{'y' if event.fatalities == 1 else 'ies'} reported."
    elif event.fatalities_high:
        text += f" Reports range up to {event.fatalities_high} fatalities."
    if event.assoc_actor_1:
        text += f" With {event.assoc_actor_1}."
    return text


def code_event(draft: Draft, norm: NormText, doc_id: str, source: str, focus_country: str | None,
               country_names: dict[str, str]) -> Event:
    """The ACLED-model record for one draft."""
    place = draft.place.place if draft.place else None
    country_iso2 = place.country if place else focus_country
    country = country_names.get(country_iso2 or "", "")
    a1: ActorEntry | None = draft.actor1.actor if draft.actor1 else None
    a2: ActorEntry | None = draft.actor2.actor if draft.actor2 else None
    name1 = a1.display_name(country) if a1 else draft.default_actor1.replace("{country}", country or "International")
    name2 = a2.display_name(country) if a2 else draft.default_actor2.replace("{country}", country or "International")
    inter1 = _inter(a1, name1, country_iso2) if name1 else None
    inter2 = _inter(a2, name2, country_iso2) if name2 else None
    low, best, high = draft.fatality_triple()
    event_type = draft.event_type
    civilian_targeting = ""
    if event_type in _CIVILIAN_TARGETING_TYPES and (inter2 == 7 or draft.sub_event_type == "Attack"):
        civilian_targeting = "Civilians targeted"
    if draft.sub_event_type == "Excessive force against protesters":
        civilian_targeting = "Civilians targeted"
    disorder = DISORDER[event_type]
    if draft.sub_event_type == "Excessive force against protesters":
        disorder = "Political violence; Demonstrations"
    elif draft.sub_event_type == "Mob violence":
        disorder = "Political violence"

    evidence: dict[str, Span] = {"trigger": _span(norm, *draft.trigger_span)}
    if draft.actor1:
        evidence["actor1"] = _span(norm, draft.actor1.start, draft.actor1.end)
    if draft.actor2:
        evidence["actor2"] = _span(norm, draft.actor2.start, draft.actor2.end)
    if draft.place:
        m = draft.place.mention
        evidence["location"] = _span(norm, m.head_start, m.end)
    if draft.date:
        evidence["date"] = _span(norm, draft.date.start, draft.date.end)
    if draft.fatalities:
        first = min(draft.fatalities, key=lambda f: f.value)
        evidence["fatalities"] = _span(norm, first.start, first.end)

    status, reason = "event", ""
    if draft.place is None:
        status, reason = "candidate", draft.unlocated_reason or "unlocated"
    elif draft.event_date is None:
        status, reason = "candidate", "undated"
    elif draft.candidate_reason:
        status, reason = "candidate", draft.candidate_reason
    first_sentence = draft.sentences[0] if draft.sentences else draft.sentence
    event = Event(
        event_date=draft.event_date,
        year=draft.event_date.year if draft.event_date else None,
        time_precision=draft.time_precision,
        disorder_type=disorder,
        event_type=event_type,
        sub_event_type=draft.sub_event_type,
        actor1=name1,
        assoc_actor_1="; ".join(dict.fromkeys(a.actor.display_name(country) for a in draft.assoc1)),
        inter1=INTER_NAMES.get(inter1, "") if inter1 else "",
        actor2=name2,
        inter2=INTER_NAMES.get(inter2, "") if inter2 else "",
        interaction=interaction(inter1, inter2),
        civilian_targeting=civilian_targeting,
        iso=place.iso_numeric if place else None,
        country=country,
        admin1=place.admin1 if place else "",
        admin2=place.admin2 if place else "",
        admin3=place.admin3 if place else "",
        location=draft.place.location if draft.place else "",
        latitude=round(place.lat, 4) if place else None,
        longitude=round(place.lon, 4) if place else None,
        geo_precision=draft.place.geo_precision if draft.place else None,
        source=source,
        fatalities=low,
        doc_id=doc_id,
        status=status,
        reason=reason,
        where_prec=draft.place.where_prec if draft.place else None,
        date_prec=draft.date_prec,
        fatalities_low=low,
        fatalities_best=best,
        fatalities_high=high,
        location_ar=evidence["location"].text if "location" in evidence else "",
        place_id=place.id if place else "",
        source_sentence=first_sentence.text_of(norm.original),
        evidence=evidence,
        explain=dict(draft.explain),
    )
    event.notes = build_note(event)
    return event
