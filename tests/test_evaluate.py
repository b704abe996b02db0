"""The gold matcher: same doc, type, date within a day, and the same place (name, or within 10 km)."""

from __future__ import annotations

from rasd.evaluate import match, same_place

GOLD = {"doc_id": "d", "event_type": "Strategic developments", "event_date": "2018-03-21", "time_precision": 1,
        "admin1": "Rural Damascus", "geo_precision": 1, "location_ar": "حرستا", "location_en": "Harasta",
        "latitude": 33.5587, "longitude": 36.3651}


def test_a_place_within_10_km_of_the_gold_point_is_the_same_place():
    ghouta = {"location_ar": "الغوطة الشرقية", "location": "Eastern Ghouta", "latitude": 33.57, "longitude": 36.40}
    assert same_place(GOLD, ghouta)
    far = {"location_ar": "حمص", "location": "Homs", "latitude": 34.73, "longitude": 36.71}
    assert not same_place(GOLD, far)


def test_without_coordinates_the_name_decides():
    gold = {k: v for k, v in GOLD.items() if k not in ("latitude", "longitude")}
    assert same_place(gold, {"location_ar": "بلدة حرستا", "location": "Harasta"})
    assert not same_place(gold, {"location_ar": "الغوطة الشرقية", "location": "Eastern Ghouta", "latitude": 33.57,
                                 "longitude": 36.40})


def test_match_pairs_one_to_one_with_the_closest_date_first():
    predicted = [dict(GOLD, event_date="2018-03-22", status="event"), dict(GOLD, status="event")]
    assert match([GOLD], predicted) == [(0, 1)]
    assert match([GOLD], [dict(GOLD, event_date="2018-03-24")]) == []
