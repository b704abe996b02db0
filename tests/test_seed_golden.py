"""The project's first acceptance test: the seed article coded as EXPECTED.md says."""

from __future__ import annotations

import datetime as dt

import pytest

import rasd
from tests.conftest import needs_shared

pytestmark = needs_shared


def _by_type(events, sub_event_type):
    return [e for e in events if e.sub_event_type == sub_event_type]


@pytest.mark.parametrize("which", ["full_extractor", "fallback_extractor"])
def test_seed_coded_as_expected(request, seed_article, which):
    extractor = request.getfixturevalue(which)
    events = rasd.extract(seed_article["text"], seed_article["published"], doc_id=seed_article["id"], extractor=extractor)
    coded = [e for e in events if e.status == "event"]
    candidates = [e for e in events if e.status == "candidate"]
    assert len(coded) == 2, [(e.sub_event_type, e.location) for e in coded]

    ied = _by_type(coded, "Remote explosive/landmine/IED")[0]
    assert ied.event_type == "Explosions/Remote violence"
    assert ied.event_date == dt.date(2021, 11, 12) and ied.time_precision == 1
    assert ied.actor1 == "Islamic State (ISIS)"
    assert ied.actor2 == "Military Forces of the United States"
    assert ied.admin1 == "Al-Hasakah"
    assert ied.geo_precision in (1, 2)
    if ied.geo_precision == 2:
        assert ied.location == "Al-Hasakah"
    assert ied.fatalities == 0
    assert ied.inter1 == "Rebel group" and ied.inter2 == "External/Other forces"
    assert ied.interaction == "Rebel group-External/Other forces"
    assert ied.notes.startswith("On 12 November 2021, Islamic State (ISIS)")

    patrol = _by_type(coded, "Change to group/activity")[0]
    assert patrol.event_type == "Strategic developments"
    assert patrol.event_date == dt.date(2021, 12, 9) and patrol.time_precision == 2
    assert patrol.actor1 == "Global Coalition Against Daesh"
    assert "QSD: Syrian Democratic Forces" in patrol.assoc_actor_1
    assert patrol.actor2 == ""
    assert patrol.admin1 == "Deir ez-Zor"
    assert patrol.geo_precision in (2, 3)
    assert patrol.fatalities == 0

    ambush = [e for e in candidates if e.event_type == "Battles"]
    assert len(ambush) == 1
    ambush = ambush[0]
    assert ambush.reason == "unlocated"
    assert ambush.sub_event_type == "Armed clash"
    assert ambush.event_date == dt.date(2021, 11, 15)
    assert ambush.actor1 == "Islamic State (ISIS)"
    assert ambush.fatalities == 7
    assert not _by_type(events, "Remote explosive/landmine/IED")[1:]  # the ambush's IEDs are part of the battle


def test_seed_evidence_slices_the_input(seed_article, full_extractor):
    text = seed_article["text"]
    events = rasd.extract(text, seed_article["published"], extractor=full_extractor)
    assert events
    for event in events:
        assert event.source_sentence in text
        for name, span in event.evidence.items():
            assert text[span.start:span.end] == span.text, name
    ied = next(e for e in events if e.sub_event_type == "Remote explosive/landmine/IED")
    assert ied.evidence["date"].text == "12 من تشرين الثاني"
    assert ied.evidence["trigger"].text == "عبوة ناسفة"
    assert "الحسكة" in ied.evidence["location"].text
    ambush = next(e for e in events if e.event_type == "Battles")
    assert ambush.evidence["fatalities"].text == "سبعة"


def test_seed_statements_and_boilerplate_are_not_events(seed_article, full_extractor):
    events = rasd.extract(seed_article["text"], seed_article["published"], extractor=full_extractor)
    sentences = " ".join(e.source_sentence for e in events)
    assert "النبأ" not in sentences  # the infographic: an aggregate claim
    assert "ادعم عنب بلدي" not in sentences
    assert "جويل هاربر" not in sentences  # the spokesman's quote
