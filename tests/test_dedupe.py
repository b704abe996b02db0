"""The merge rule (rasd.store.dedupe): pure decisions and merges, and its measured accuracy on the
labelled development pairs (tests/dedupe/pairs.jsonl; how they were built and labelled is in
tests/dedupe/build_pairs.py and docs/ACCURACY.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rasd.schema import Span
from rasd.store.dedupe import (
    attachable, haversine_km, may_join, merge_events, named_another_day, one_report_per_article, same_incident,
    same_place, store_decision, within_km,
)
from tests.conftest import CORPUS, needs_shared
from tests.dedupe.evaluate import (
    article_texts, both_valid, corpus_runner, frozen_decider, halves, labelled_articles, load_pairs, load_validity,
    map_record, reextract, score, store_decider,
)
from tests.store_factories import DAY, make_event

NEAR = dict(geo_precision=2, where_prec=2)


def test_dedupe_haversine_known_distance() -> None:
    # Damascus to Aleppo is about 310 km.
    assert haversine_km(33.5138, 36.2765, 36.2021, 37.1343) == pytest.approx(309, abs=3)


latitudes = st.floats(min_value=28.0, max_value=38.0)
longitudes = st.floats(min_value=34.0, max_value=49.0)


@given(latitudes, longitudes, latitudes, longitudes, st.sampled_from([2.0, 10.0]),
       st.floats(min_value=-0.12, max_value=0.12), st.floats(min_value=-0.12, max_value=0.12))
def test_within_km_is_haversine_with_a_cheap_exact_reject(lat1: float, lon1: float, lat2: float, lon2: float,
                                                          km: float, dlat: float, dlon: float) -> None:
    # far pairs, and pairs near the thresholds (a second point within ~13 km of the first)
    for other in ((lat2, lon2), (lat1 + dlat, lon1 + dlon), (lat1 + dlat, lon1)):
        assert within_km(lat1, lon1, *other, km) == (haversine_km(lat1, lon1, *other) <= km)


def test_dedupe_same_report_twice_is_one_incident() -> None:
    assert same_incident(make_event(), make_event()).same


@pytest.mark.parametrize(("days", "precision", "same"), [
    (1, 1, True), (2, 1, False), (4, 2, True), (5, 2, False), (16, 3, True), (17, 3, False),
])
def test_dedupe_date_window_widens_with_imprecise_dates(days: int, precision: int, same: bool) -> None:
    later = make_event(event_date=DAY + dt.timedelta(days=days), time_precision=precision)
    assert same_incident(make_event(), later).same is same


def test_dedupe_other_sub_event_type_is_another_event() -> None:
    strike = make_event(event_type="Explosions/Remote violence", sub_event_type="Air/drone strike")
    chemical = make_event(event_type="Explosions/Remote violence", sub_event_type="Chemical weapon")
    assert same_incident(strike, chemical).reason == "type"


def test_dedupe_places_near_town_within_10_km_but_two_named_towns_apart_are_two_events() -> None:
    here = make_event(**NEAR)
    assert same_incident(here, make_event(latitude=35.8137 + 0.08, admin2="Other", **NEAR)).same  # ~8.9 km
    assert same_incident(here, make_event(latitude=35.8137 + 0.10, admin2="Other", **NEAR)).reason == "place"
    # Both precisely placed (geo_precision 1): 5 km apart means two towns, even in one district.
    assert same_incident(make_event(), make_event(latitude=35.8137 + 0.045)).reason == "place"
    assert same_incident(make_event(), make_event(latitude=35.8137 + 0.01)).same  # ~1.1 km: one town


def test_dedupe_same_admin2_but_a_region_level_report_only_by_distance() -> None:
    far = dict(latitude=36.2, longitude=37.1)
    assert same_incident(make_event(**NEAR), make_event(**far, **NEAR)).reason == "match: admin2"
    assert same_incident(make_event(**NEAR), make_event(**far, admin2="Other", **NEAR)).reason == "place"
    # Placed only to its governorate: the same admin1 is not enough (session 4; it merged a Mandali
    # car bomb with the Khan Bani Saad bombing, both in Diyala) ...
    region = make_event(**far, admin2="Other", geo_precision=3)
    assert same_incident(make_event(**NEAR), region).reason == "place"
    # ... but within 10 km it still matches
    assert same_incident(make_event(**NEAR), make_event(admin2="Other", geo_precision=3)).reason == "match: 10km"


REPORT_DAY = dict(time_precision=2, date_prec=2)  # no date of its own: dated by the day it was told


@pytest.mark.parametrize(("told", "same"), [(-1, False), (0, True), (1, True), (2, False), (4, False)])
def test_dedupe_a_report_dated_by_its_telling_is_that_days_news_only(told: int, same: bool) -> None:
    # a report with no date words for the act, told `told` days after a report dated to the day
    undated = make_event(event_date=DAY + dt.timedelta(days=told), **REPORT_DAY)
    assert same_incident(make_event(), undated).same is same
    assert same_incident(undated, make_event()).same is same
    if not same:
        assert same_incident(make_event(), undated).reason == "report date"
    # a week read from the text (date_prec 3) keeps the week's window (±4 days)
    week = make_event(event_date=DAY + dt.timedelta(days=told), time_precision=2, date_prec=3)
    assert same_incident(make_event(), week).same is (abs(told) <= 4)


def test_dedupe_report_date_two_undated_reports_month_records_and_chemical_attacks() -> None:
    undated = make_event(**REPORT_DAY)
    assert same_incident(undated, make_event(**REPORT_DAY)).same  # told on the same day
    later = make_event(event_date=DAY + dt.timedelta(days=1), **REPORT_DAY)
    assert same_incident(undated, later).reason == "report date"  # two days' news
    # a record known only to the month keeps its own window
    assert same_incident(make_event(event_date=DAY + dt.timedelta(days=3), **REPORT_DAY),
                         make_event(time_precision=3, date_prec=4)).same
    # a chemical attack is rare enough that an undated mention of one in the town is that one
    chemical = dict(event_type="Explosions/Remote violence", sub_event_type="Chemical weapon")
    assert same_incident(make_event(**chemical),
                         make_event(event_date=DAY + dt.timedelta(days=3), **REPORT_DAY, **chemical)).same


def test_dedupe_two_chemical_attack_reports_take_the_widest_window() -> None:
    chemical = dict(event_type="Explosions/Remote violence", sub_event_type="Chemical weapon")
    assert same_incident(make_event(**chemical), make_event(event_date=DAY + dt.timedelta(days=10), **chemical)).same
    assert same_incident(make_event(**chemical),
                         make_event(event_date=DAY + dt.timedelta(days=17), **chemical)).reason == "date"
    assert same_incident(make_event(), make_event(event_date=DAY + dt.timedelta(days=2))).reason == "date"


def test_dedupe_actors_conflict_only_when_both_name_someone() -> None:
    isis = make_event(actor1="Islamic State (ISIS)", actor2="")
    assert same_incident(make_event(), isis).reason == "actors"  # ISIS is neither the army nor HTS
    army_only = make_event(actor2="", inter2="")
    assert same_incident(make_event(), army_only).reason == "match: same town"  # one side named in both
    unnamed = make_event(actor1="Unidentified Armed Group (Syria)", actor2="Civilians (Syria)")
    assert same_incident(unnamed, make_event()).same


def test_dedupe_candidates_and_undated_never_merge() -> None:
    assert same_incident(make_event(status="candidate", reason="unlocated"), make_event()).reason == "candidate"
    assert same_incident(make_event(event_date=None), make_event()).reason == "undated"


def test_dedupe_merge_keeps_id_appends_source_and_takes_precise_place_and_date() -> None:
    kept = make_event(event_id_cnty="SYR7", source="SANA", geo_precision=2, where_prec=2, location="Ariha area",
                      time_precision=2, date_prec=3, event_date=DAY + dt.timedelta(days=2), timestamp=100)
    new = make_event(source="Enab Baladi; SANA", location="Ariha")
    merged = merge_events(kept, new, timestamp=200)
    assert merged.event_id_cnty == "SYR7"
    assert merged.source == "SANA; Enab Baladi"
    assert (merged.location, merged.geo_precision, merged.event_date, merged.time_precision) == ("Ariha", 1, DAY, 1)
    assert merged.timestamp == 200


def test_dedupe_merge_fatalities_conservative_with_low_best_high() -> None:
    five = make_event(fatalities=5, fatalities_low=5, fatalities_best=6, fatalities_high=8)
    three = make_event(fatalities=3, fatalities_low=3, fatalities_best=3, fatalities_high=3)
    none = make_event(fatalities=0, fatalities_low=0, fatalities_best=0, fatalities_high=0)
    merged = merge_events(five, three, 1)
    assert (merged.fatalities, merged.fatalities_low, merged.fatalities_best, merged.fatalities_high) == (3, 3, 6, 8)
    # "No information" (0) is not a conflicting report: it does not erase a reported toll.
    assert merge_events(none, five, 1).fatalities == 5
    assert merge_events(five, none, 1).fatalities == 5


def test_dedupe_merge_named_actor_replaces_unidentified() -> None:
    unnamed = make_event(actor1="Unidentified Armed Group (Syria)", inter1="Political militia", actor2="",
                         inter2="", interaction="Political militia only")
    merged = merge_events(unnamed, make_event(), 1)
    assert (merged.actor1, merged.inter1, merged.interaction) == (
        "Military Forces of Syria", "State forces", "State forces-Rebel group")


def reported(sentence: str, act: str, **fields: object):  # type: ignore[no-untyped-def]
    """A record whose source sentence is ``sentence`` and whose trigger is the words ``act``."""
    start = sentence.index(act)
    return make_event(source_sentence=sentence, evidence={"trigger": Span(start=start, end=start + len(act), text=act)},
                      **fields)


SUMMARY = "وقال المرصد إن أكثر من 1400 مدني قتلوا في غارات على أريحا منذ 18 شباط."
SUMMARY_2 = "وتتعرض أريحا لغارات منذ بدء الحملة العسكرية في شباط."
ONE_DAY = "وقتل مدنيان في غارات على أريحا."


def test_dedupe_a_summary_is_never_merged_with_one_days_report() -> None:
    summary, other_summary = reported(SUMMARY, "غارات"), reported(SUMMARY_2, "لغارات")
    day = reported(ONE_DAY, "غارات")
    assert same_incident(day, make_event()).same  # the rest of the rule agrees ...
    assert same_incident(summary, day).reason == "summary"  # ... but a campaign is not one day of it
    assert same_incident(day, summary).reason == "summary"
    assert same_incident(make_event(time_precision=2), summary).reason == "summary"  # nor one week's report
    assert same_incident(summary, other_summary).same  # two summaries of one campaign may be one record
    # a record known only to the month is no more a single day than the summary is
    assert same_incident(summary, make_event(time_precision=3)).same


def dated(sentence: str, act: str, day_words: str | None, **fields: object):  # type: ignore[no-untyped-def]
    """``reported``, with ``day_words`` (words of the sentence) as its date evidence."""
    record = reported(sentence, act, **fields)
    if day_words is None:
        return record
    start = sentence.index(day_words)
    return record.model_copy(update={"evidence": {**record.evidence, "date": Span(
        start=start, end=start + len(day_words), text=day_words)}})


def test_dedupe_a_report_naming_its_day_is_not_another_days_report() -> None:
    # session 4, second round: two acts in one town on consecutive days (Daraa's attack on Tuesday
    # and the next day's clashes near the air base; Saqba retaken on Saturday and Sunday's summary)
    tuesday = dated("بدأ الجيش الثلاثاء هجوما على أحياء أريحا.", "هجوما", "الثلاثاء")
    next_day = dict(event_date=DAY + dt.timedelta(days=1))
    inherited = reported("وتدور اشتباكات عنيفة قرب أريحا.", "اشتباكات", **next_day)  # its day from the paragraph
    assert same_incident(tuesday.model_copy(update={"evidence": {}}), inherited).same  # no day named: ±1 day
    assert same_incident(tuesday, inherited).reason == "named day"
    assert same_incident(inherited, tuesday).reason == "named day"
    wednesday = dated("وهاجمت الفصائل بعد منتصف ليل الأربعاء مواقع الجيش في أريحا.", "وهاجمت", "الأربعاء", **next_day)
    assert same_incident(tuesday, wednesday).reason == "named day"  # two named days
    assert same_incident(tuesday, wednesday.model_copy(update={"event_date": DAY})).same  # the same day
    # a day read from a period ("منذ أيام") names no day: the named day may be the same act (the
    # summary test then decides)
    vague = dated("وتظاهر العشرات منذ أيام في أريحا.", "وتظاهر", "منذ أيام", **next_day)
    assert not named_another_day(tuesday, vague) and not named_another_day(vague, tuesday)
    # a week's report keeps its window; a chemical attack is dated the 7th or the 8th by outlets
    assert same_incident(tuesday, inherited.model_copy(update={"time_precision": 2})).same
    chemical = dict(event_type="Explosions/Remote violence", sub_event_type="Chemical weapon")
    assert same_incident(tuesday.model_copy(update=chemical), inherited.model_copy(update=chemical)).same


def test_dedupe_a_summary_naming_a_chemical_attack_is_attached_to_it() -> None:
    # "Russia's twelve vetoes since 2011, the last on the chemical attack in Douma": a summary
    # candidate, but the chemical attack it names is that one act (session 4, second round)
    chemical = dict(event_type="Explosions/Remote violence", sub_event_type="Chemical weapon")
    vetoes = reported("واستخدمت روسيا الفيتو 12 مرة منذ عام 2011 وآخرها المتعلق بالهجوم الكيماوي على أريحا.",
                      "بالهجوم الكيماوي", status="candidate", reason="summary", time_precision=3, date_prec=4,
                      **chemical)
    attack = reported("قتل العشرات في هجوم كيماوي على أريحا السبت.", "هجوم كيماوي", **chemical)
    assert attachable(vetoes)
    assert store_decision(vetoes, attack).reason.startswith("attach: same town (model ")
    assert store_decision(attack, vetoes).same
    # any other summary candidate stays a candidate: a campaign is not one day of it
    strikes = reported(SUMMARY, "غارات", status="candidate", reason="summary")
    assert not attachable(strikes)
    assert store_decision(strikes, reported(ONE_DAY, "غارات")).reason == "candidate"


def test_dedupe_map_record_prefers_the_trigger_then_the_sentence_then_the_place() -> None:
    text = "جملة أولى عن قصف على أريحا. جملة ثانية عن اشتباكات في سراقب وقصف على معرة النعمان."
    def at(words: str, **fields: object):  # type: ignore[no-untyped-def]
        start = text.index(words)
        sentence = text[:text.index(".") + 1] if start < text.index(".") else text[text.index(".") + 2:]
        return make_event(doc_id="d1", source_sentence=sentence,
                          evidence={"trigger": Span(start=start, end=start + len(words), text=words)}, **fields)
    first = at("قصف", location="Ariha", place_id="p1")
    clash = at("اشتباكات", location="Saraqib", place_id="p2", sub_event_type="Armed clash")
    shelled = at("وقصف", location="Maarrat", place_id="p3", sub_event_type="Air/drone strike",
                 event_type="Explosions/Remote violence")
    second_start = text.index("جملة ثانية")
    # labelled at Saraqib's place but with the strike's trigger: the trigger decides
    labelled = {"doc_id": "d1", "place_id": "p2", "sub_event_type": "Air/drone strike", "event_date": DAY.isoformat(),
                "anchor": {"sentence": [second_start, len(text)], "trigger": [text.index("وقصف"), text.index("وقصف") + 4]}}
    assert map_record(labelled, [first, clash, shelled], text).how == "trigger"
    assert map_record(labelled, [first, clash, shelled], text).event is shelled
    # the trigger no longer read: the record of the same sentence, the one at the labelled place first
    moved = {**labelled, "anchor": {**labelled["anchor"], "trigger": [0, 1]}}
    assert map_record(moved, [first, clash, shelled], text) == map_record(moved, [first, shelled, clash], text)
    assert map_record(moved, [first, shelled, clash], text).event is clash
    assert map_record(moved, [first, shelled, clash], text).how == "sentence"
    # another article's records never map; nothing in the passage: lost
    assert map_record({**moved, "doc_id": "d2"}, [first, clash, shelled], text).how == "lost"
    assert map_record(moved, [first], text).event is None


@needs_shared
def test_dedupe_labelled_pairs_precision_recall_floor() -> None:
    """Regression floor at the figures reported in docs/ACCURACY.md (below the issue's targets of
    0.95/0.85: see there why), on the frozen coded fields with their sentences re-read from the
    corpus. A rule change must not lower them silently, nor on either half of the set.
    Session 3: P 0.838 R 0.564 (halves 0.875 / 0.810). Session 4 (no region match; report date):
    P 0.969 R 0.564 (halves 0.933 / 1.000); unchanged by its second round (named day; chemical
    summaries attached); third round (chemical attacks: 16-day window) P 0.972 R 0.636. Session 5
    (chemical attacks within 15 km are one place): P 0.957 R 0.800 (halves 0.950 / 0.962); second
    round (arrest = abduction, riot = looting; campaign shares): P 0.957 R 0.818. Session 8 (the
    merge model refuses pairs the rule matches: ``one_incident``): P 0.977 R 0.764 (halves 1.000 /
    0.958)."""
    pairs = load_pairs()
    decide = frozen_decider(article_texts(labelled_articles(pairs, CORPUS)))
    result = score(pairs, decide)
    assert result["labelled"] >= 120
    assert result["precision"] >= 0.97
    assert result["recall"] >= 0.76
    for half in halves(pairs).values():
        assert score(half, decide)["precision"] >= 0.93


def _frozen_score(pairs):  # type: ignore[no-untyped-def]
    """A labelled set scored on its frozen coded fields, sentences re-read from the corpus."""
    return score(pairs, frozen_decider(article_texts(labelled_articles(pairs, CORPUS))))


# The measure-only sets (labelled blind and committed before any rule ran on them;
# docs/ACCURACY.md, "Deduplication"), scored on their frozen coded fields with the sentences re-read
# from the corpus: floors at the current figures. A set becomes a development set once a rule is
# designed on its errors; draw a new one then (tests/dedupe/build_pairs.py).
# - second (session 3, 124 labelled): session 3 P 0.806 R 0.857; session 4 0.945 / 0.825, second
#   round (named day) 0.963 / 0.825; session 5 0.930 / 0.841 (two false merges of records the
#   current extractor no longer reads as chemical attacks, s086, s117), second round 0.931 / 0.857.
# - third (session 4, capped per incident, 107): before its rules 0.521 / 0.581, after 0.706 /
#   0.558; session 4 second round 0.788 / 0.605; session 5 0.811 / 0.698, second round 0.821 / 0.744.
# - fourth (session 4 second round, 105): before its rules 0.587 / 0.730, after 0.659 / 0.730,
#   third round 0.659 / 0.784; session 5 (a design set since) 0.652 / 0.811.
# - fifth (session 5, 137): the session-4 rule 0.538 / 0.745; round 1 0.552 / 0.787; round 2
#   0.551 / 0.809 (errors never read).
# - sixth (session 5, 138, measured once after round 2): 0.696 / 0.857 (session-4 rule 0.683 / 0.768).
# - seventh (session 5, 138, drawn from the round-2 extractor, measured once): 0.565 / 0.780
#   (session-4 rule 0.567 / 0.680).
# - eighth (session 5, 138, drawn from the final extractor, measured once): 0.537 / 0.818
#   (session-4 rule 0.508 / 0.682).
# - ninth (session 6, 137, drawn from the session-5 extractor, measured once at the end of
#   session 6): 0.652 / 0.878.
# - tenth (session 6, 138, drawn from the extractor of b9fb980 and measured once with it): 0.646 / 0.857.
# - eleventh (session 6, 136, drawn from the final extractor, 2a965fc, measured once with it): 0.578 / 0.841.
# - twelfth and thirteenth (session 7, 135 each, drawn from 8c4827c at the session's start, measured with the
#   session's final code, dcfcbee): 0.569 / 0.822 and 0.651 / 0.872 (frozen); re-extracted 0.587 / 0.822
#   and 0.644 / 0.844.
# - fourteenth (session 7's end, 151, drawn from e870d6d, labelled blind and measured once at the start of
#   session 8 with that code): 0.593 / 0.923 (frozen and re-extracted alike).
# - Session 8: the merge model (``one_incident``: the rule, then the model's probability at least 0.5;
#   trained on the second to eighth sets) on every set: second 0.927 / 0.810, third 0.886 / 0.721, fourth
#   0.794 / 0.730, fifth 0.767 / 0.702, sixth 0.818 / 0.804, seventh 0.694 / 0.680, eighth 0.640 / 0.727
#   (design sets, the model's training pairs); ninth 0.796 / 0.796, tenth 0.791 / 0.694, eleventh 0.814 /
#   0.795, twelfth 0.692 / 0.600, thirteenth 0.767 / 0.702, fourteenth 0.710 / 0.846 (unseen by the model).
# - fifteenth (session 8, 147, drawn from e4fdf26's extractor, labelled blind, measured once with the merge
#   model, 045e595): 0.696 / 0.830 (frozen and re-extracted alike).
# - sixteenth (session 8's end, 145, drawn from the same extractor, labelled blind, first measured with the
#   final code of session 8 by the last review's check): 0.769 / 0.714.
MEASURE_ONLY_FLOORS = [  # set, labelled pairs at least, precision, recall
    ("second", 120, 0.92, 0.81), ("third", 105, 0.88, 0.72), ("fourth", 105, 0.79, 0.73),
    ("fifth", 135, 0.76, 0.70), ("sixth", 135, 0.81, 0.80), ("seventh", 135, 0.69, 0.68),
    ("eighth", 135, 0.64, 0.72), ("ninth", 135, 0.79, 0.79), ("tenth", 135, 0.79, 0.69),
    ("eleventh", 134, 0.81, 0.79), ("twelfth", 135, 0.69, 0.60), ("thirteenth", 135, 0.76, 0.70),
    ("fourteenth", 150, 0.71, 0.84), ("fifteenth", 147, 0.69, 0.83),
    ("sixteenth", 145, 0.76, 0.71),
]


@needs_shared
@pytest.mark.parametrize(("which", "labelled", "precision", "recall"), MEASURE_ONLY_FLOORS)
def test_dedupe_measure_only_set_precision_recall_floor(which: str, labelled: int, precision: float,
                                                        recall: float) -> None:
    result = _frozen_score(load_pairs(which))
    assert result["labelled"] >= labelled
    assert result["precision"] >= precision
    assert result["recall"] >= recall


@needs_shared
def test_dedupe_store_level_floor_on_the_newest_sets() -> None:
    """What the store does (``evaluate.py --store``): the development corpus ingested by the
    writer, a labelled pair joined when both passages' reports are sources of one stored event (a
    passage no longer read as an event joins nothing). Session 5 (second round): fourth set
    P 0.900 R 0.730, fifth P 0.750 R 0.702 (session 4's store: 0.559 / 0.702), sixth (blind,
    measured once) P 0.833 R 0.714 (session 4's store: 0.700 / 0.750), seventh (blind, measured
    once) P 0.717 R 0.660 (session 4's store: 0.635 / 0.660), eighth (blind, measured once)
    P 0.681 R 0.727 (session 4's store: 0.600 / 0.682). Session 6: fifth R 0.681 (one pair fewer
    joined: "صواريخ إسرائيلية" now reads Israel, which conflicts with the other report's wrong
    attacker, Syria; until then "إسرائيلية" never matched the normalised text); sixth P 0.848 R 0.696
    (one pair more and one pair fewer joined; its errors are not read: it stays a measure), then
    R 0.679 when "كتيبة" (a battalion) stopped being the village Kutaybah (one pair fewer joined).
    End of session 6: fourth 0.903 / 0.757, fifth 0.767 / 0.702, sixth 0.844 / 0.679, seventh 0.723
    / 0.680, eighth 0.696 / 0.727, ninth (blind, measured once) 0.717 / 0.673. On the pairs whose
    two records are both judged valid (``validity.tsv``): sixth 0.947 / 0.857, seventh 0.909 /
    0.588, eighth 0.733 / 0.733, ninth 0.875 / 0.636. After the landmark rule (a place after قرب،
    شمال ... locates the place before it; decided on the design sets and gold): seventh 0.717 / 0.660
    (valid 0.889 / 0.533), ninth 0.702 / 0.673 (valid 0.824 / 0.636); the others unchanged. After
    places abroad (the Suruç bombing is no event in Syria): eighth 0.689 / 0.705, ninth 0.696 / 0.653
    (a pair of two of its wrong records, labelled "same", no longer joined; valid-record pairs unchanged).
    Tenth (blind, drawn from and measured once with that code): 0.721 / 0.633 (valid 0.889 / 0.727).
    After the wider landmark rule (apposition, fillers, genitive; summaries only): fifth 0.786 / 0.702
    (valid 0.842 / 0.762), seventh 0.733 / 0.660 (valid 0.900 / 0.562), eighth 0.705 / 0.705 (valid
    0.786 / 0.733), tenth 0.727 / 0.653 (valid 0.889 / 0.727); the others unchanged. Eleventh (blind,
    drawn from and measured once with 2a965fc): 0.700 / 0.636 (valid 0.882 / 0.625). After a capital that
    denies or acts is its government ("نفته دمشق"; summaries only): fifth 0.780 / 0.681, seventh 0.727
    / 0.640, tenth 0.732 / 0.612, eleventh 0.692 / 0.614 (the Damascus copies of records gone: their
    passages map to the remaining record or to none); valid-record pairs unchanged.
    Session 7 (second to eighth are design sets since; ninth to eleventh summaries only): ordinary
    words are no places ("وقت قصير" is not al-Qusayr, "سلسلة" not Silsilah: 156 corpus events were
    placed at such words), a date in the trigger's clause dates it, and chemical weapons named with
    no town, planned or in the plural are no attack: fourth 0.966 / 0.757, fifth 0.800 / 0.681,
    sixth 0.902 / 0.661 (valid 0.947 / 0.857), seventh 0.738 / 0.620, eighth 0.725 / 0.659 (valid
    0.769 / 0.667: the air raid on Douma of 7 April, no longer merged with a placeless mention of
    chemical weapons, is no longer the chemical attack's record), ninth 0.711 / 0.653 (valid 0.813 /
    0.619), tenth 0.725 / 0.592, eleventh 0.711 / 0.614. Then an outlet's name is no date ("عين
    اليوم – بغداد" dated 34 articles' reports to publication), "تفجير آخر" is another act, and a purpose
    ("هجوما لانتزاع السيطرة على") no capture: second 0.979 / 0.730, fifth 0.842 / 0.681, sixth 0.900
    / 0.643, seventh 0.756 / 0.620, tenth 0.711 / 0.551, eleventh 0.703 / 0.591 (valid 0.875 / 0.583;
    three pairs fewer joined on the blind sets, none of their errors read: kept, since each rule
    corrects a record, and a fairer figure comes from the twelfth and thirteenth sets). Twelfth and
    thirteenth (blind, drawn from 8c4827c at the start of session 7, measured with its start and its
    final code, dcfcbee): 0.617 / 0.644 and 0.733 / 0.702 at the start, 0.630 / 0.644 (valid 0.875 /
    0.737) and 0.727 / 0.681 (valid 0.947 / 0.692) at the end. Fourteenth (blind, drawn from e870d6d at the
    end of session 7, measured once with it at the start of session 8): 0.691 / 0.731 (valid 0.875 / 0.724).
    Session 8, the merge model (a pair the rule matches is one incident only when the model says so)
    and matching a stored event by any of its reports: fourth 0.844 / 0.730 (valid 0.867 / 0.765), fifth
    0.846 / 0.702 (0.895 / 0.810), sixth 0.909 / 0.714 (0.952 / 0.952), seventh 0.744 / 0.580 (0.889 /
    0.500), eighth 0.674 / 0.659 (0.846 / 0.733); unseen by the model: ninth 0.804 / 0.755 (0.938 /
    0.714), tenth 0.771 / 0.551 (0.833 / 0.682), eleventh 0.811 / 0.682 (0.941 / 0.667), twelfth 0.644 /
    0.644 (0.882 / 0.789), thirteenth 0.756 / 0.660 (0.941 / 0.615), fourteenth 0.737 / 0.808 (0.880 /
    0.759). Fifteenth (blind, drawn from e4fdf26's extractor and measured once with 045e595): 0.650 /
    0.830 (valid 0.958 / 0.793); the session-7 store on it: 0.643 / 0.766 (valid 0.955 / 0.724).
    Sixteenth (blind, drawn at the end of session 8, first measured with its final code): 0.774 / 0.732
    (valid 0.880 / 0.710)."""
    run, decide = store_decider(CORPUS)
    for which, precision, recall, valid_precision, valid_recall in (
            ("fourth", 0.84, 0.73, 0.86, 0.76), ("fifth", 0.84, 0.70, 0.89, 0.80),
            ("sixth", 0.90, 0.71, 0.95, 0.95), ("seventh", 0.74, 0.58, 0.88, 0.50),
            ("eighth", 0.67, 0.65, 0.84, 0.73), ("ninth", 0.80, 0.75, 0.93, 0.71),
            ("tenth", 0.77, 0.55, 0.83, 0.68), ("eleventh", 0.81, 0.68, 0.94, 0.66),
            ("twelfth", 0.64, 0.64, 0.88, 0.78), ("thirteenth", 0.75, 0.66, 0.94, 0.61),
            ("fourteenth", 0.73, 0.80, 0.88, 0.75), ("fifteenth", 0.65, 0.83, 0.95, 0.79),
            ("sixteenth", 0.77, 0.73, 0.88, 0.70)):
        current, _ = reextract(load_pairs(which), run, keep_lost=True)
        result = score(current, decide)
        assert result["precision"] >= precision, (which, result["precision"])
        assert result["recall"] >= recall, (which, result["recall"])
        validity = load_validity(which)
        valid = score([pair for pair in current if both_valid(pair, validity)], decide)
        assert valid["labelled"] >= 30, (which, valid["labelled"])
        assert valid["precision"] >= valid_precision, (which, valid["precision"])
        assert valid["recall"] >= valid_recall, (which, valid["recall"])


def test_dedupe_validity_judges_only_the_record_it_was_given() -> None:
    """``both_valid``: a pair counts among the valid-record pairs only when both records were
    judged valid *and* are still the records judged (same date and place): a later extractor's
    record of the passage with another date has no judgment."""
    validity = load_validity("ninth")
    assert len(validity) == 138
    pair_id, judged = next((pid, j) for pid, j in validity.items() if j["a"][0] and j["b"][0])
    pair = next(p for p in load_pairs("ninth") if p["pair_id"] == pair_id)
    records = {side: make_event(event_date=dt.date.fromisoformat(judged[side][1].split("|")[0]),
                                location=judged[side][1].split("|", 1)[1]) for side in ("a", "b")}
    current = {**pair, "current_a": records["a"], "current_b": records["b"]}
    assert both_valid(current, validity)
    moved = {**current, "current_b": records["b"].model_copy(update={"event_date": records["b"].event_date + dt.timedelta(days=1)})}
    assert not both_valid(moved, validity)
    assert not both_valid({**current, "current_a": None}, validity)
    invalid_id = next(pid for pid, j in validity.items() if not j["a"][0])
    assert not both_valid({**current, "pair_id": invalid_id}, validity)


@needs_shared
def test_dedupe_labelled_records_map_to_the_current_extractor(full_extractor) -> None:  # type: ignore[no-untyped-def]
    """Re-extraction (docs/ACCURACY.md): the labelled passages are found again in the current
    extractor's output; if most are lost, the re-extracted figures no longer describe the set."""
    pairs = load_pairs()
    current, mapping = reextract(pairs, corpus_runner(labelled_articles(pairs, CORPUS), extractor=full_extractor))
    assert mapping["mapped"] >= 0.8 * mapping["records"]  # 209 of 248 with the extractor of session 2
    # 87 of 124 at the end of session 2; 83 in session 3, where references to an attack ("بشأن
    # الهجوم الكيماوي"، "تقارير حول هجوم كيماوي") stopped being read as reports of it
    assert mapping["labelled_pairs_mapped"] >= 80
    assert all(p["current_a"].doc_id == p["a"]["doc_id"] and p["current_b"].doc_id == p["b"]["doc_id"] for p in current)


_CHEMICAL = {"event_type": "Explosions/Remote violence", "sub_event_type": "Chemical weapon"}


def test_dedupe_two_reports_of_a_chemical_attack_within_15_km_are_one_place() -> None:
    # Douma (33.5718, 36.4027) and "near Damascus" placed at the capital's centre (33.5131,
    # 36.2919), ~12 km apart, both precise: two towns for any other act, one chemical attack.
    douma = make_event(location="Douma", latitude=33.5718, longitude=36.4027, **_CHEMICAL)
    damascus = make_event(location="Damascus", latitude=33.5131, longitude=36.2919, admin2="Damascus", **_CHEMICAL)
    assert same_place(douma, damascus) == "unique act"
    assert same_incident(douma, damascus).same
    strike = {"event_type": "Explosions/Remote violence", "sub_event_type": "Air/drone strike"}
    assert same_place(douma.model_copy(update=strike), damascus.model_copy(update=strike)) is None
    far = damascus.model_copy(update={"latitude": 33.40, "longitude": 36.20})  # ~23 km from Douma
    assert same_place(douma, far) is None
    # the same town keeps its own reason
    assert same_place(douma, douma.model_copy(update={"latitude": 33.5720})) == "same town"


def test_dedupe_a_report_joins_two_stored_events_only_when_they_are_one_incident() -> None:
    west = make_event(latitude=35.80, longitude=36.50, admin2="A", location="West", geo_precision=2)
    east = make_event(latitude=35.80, longitude=36.62, admin2="B", location="East", geo_precision=2)
    middle = make_event(latitude=35.80, longitude=36.56, admin2="C", location="Middle", geo_precision=2)
    assert same_incident(west, middle).same and same_incident(east, middle).same
    assert not may_join(west, east)  # 10.8 km apart: two incidents, the report does not make them one
    assert may_join(west, west.model_copy(update={"location": "West 2"}))
    far_east = east.model_copy(update={"longitude": 36.74})  # ~21.7 km from West: over 15 km
    chemical = [e.model_copy(update=_CHEMICAL) for e in (west, far_east, middle)]
    assert not may_join(chemical[0], chemical[1])  # no chain, even of a chemical attack


def test_dedupe_two_reports_of_a_chemical_attack_may_name_different_perpetrators() -> None:
    regime = make_event(**_CHEMICAL)
    rebels = make_event(actor1="Jaish al-Islam", inter1="Rebel group", actor2="Free Syrian Army", **_CHEMICAL)
    assert same_incident(regime, rebels).same
    assert same_incident(make_event(), rebels.model_copy(update={"event_type": "Battles",
                                                                 "sub_event_type": "Armed clash"})).reason == "actors"


def test_dedupe_one_report_per_article_except_for_a_chemical_attack() -> None:
    assert one_report_per_article(make_event())
    assert not one_report_per_article(make_event(**_CHEMICAL))


def test_dedupe_a_share_of_a_region_or_a_few_days_is_a_campaign_not_one_day() -> None:
    # t046, f002: the army's "70% of Ghouta" and "a third of Ghouta in a few days" against one
    # day's capture of two towns
    from rasd.extract.clarity import classify

    assert classify("وكانت القيادة العامة للجيش أعلنت استعادة السيطرة على أكثر من 70 بالمئة من مناطق الغوطة "
                    "الشرقية.", 2).summary
    assert classify("استعادت الحكومة في بضعة أيام السيطرة على ثلث الغوطة الشرقية.", 2).summary
    assert not classify("استعاد الجيش السوري السيطرة السبت على بلدتي سقبا وكفر بطنا في الغوطة الشرقية.", 1).summary


def test_dedupe_an_arrest_and_an_abduction_of_one_act_are_one_type() -> None:
    arrest = make_event(event_type="Strategic developments", sub_event_type="Arrests", actor2="")
    abduction = make_event(event_type="Violence against civilians", sub_event_type="Abduction/forced disappearance",
                           actor1="Unidentified Armed Group (Syria)", actor2="")
    assert same_incident(arrest, abduction).same
    merged = merge_events(abduction, arrest, 1)
    assert (merged.event_type, merged.sub_event_type, merged.actor1) == (
        "Strategic developments", "Arrests", "Military Forces of Syria")
    # a named abductor that is not the arresting force: two acts
    rebels = abduction.model_copy(update={"actor1": "Hayat Tahrir al-Sham"})
    assert same_incident(arrest, rebels).reason == "actors"


def test_dedupe_labels_agree_with_a_second_blind_labelling() -> None:
    """The tenth and twelfth sets labelled again, blind, by other helpers (tests/dedupe/agreement/):
    session 8 measured 267 of 273 pairs alike, kappa 0.951, the second labelling scoring P 0.968 R
    0.968 against the first. The targets (0.95 / 0.85) are within what the labels can measure."""
    from tests.dedupe.agreement import HERE, agreement, read_labels

    first: dict[str, str] = {}
    second: dict[str, str] = {}
    for which in ("tenth", "twelfth"):
        first.update(read_labels(HERE / which / "labels.tsv"))
        second.update(read_labels(HERE / "agreement" / f"{which}.tsv"))
    result = agreement(first, second)
    assert result["pairs"] == 273
    assert result["kappa"] >= 0.95 and result["precision"] >= 0.96 and result["recall"] >= 0.96
