"""Namesakes: placed near the article's other places, or kept at the admin level they share."""

from __future__ import annotations

from rasd.extract.places import find_place_mentions, resolve
from rasd.gazetteer import Gazetteer, Place, _add_shipped
from rasd.normalize import normalize


def _gazetteer() -> Gazetteer:
    g = Gazetteer(source="test")
    _add_shipped(g)
    g.add(Place("v1", "Kafr A", "كفرزيتا", "SY", "Idleb", 35.90, 36.60, "locality", admin2="Idleb"), ["كفرزيتا"])
    g.add(Place("v2", "Kafr B", "كفرزيتا", "SY", "Idleb", 35.50, 36.20, "locality", admin2="Ariha"), ["كفرزيتا"])
    g.add(Place("anchor", "Anchor", "الفوعة", "SY", "Idleb", 35.91, 36.61, "locality", admin2="Idleb"), ["الفوعة"])
    g.add(Place("v3", "Dup A", "تل سلمو", "SY", "Aleppo", 36.10, 37.60, "locality", admin2="Al Bab"), ["تل سلمو"])
    g.add(Place("v4", "Dup B", "تل سلمو", "SY", "Aleppo", 36.30, 37.90, "locality", admin2="Al Bab"), ["تل سلمو"])
    return g


def test_places_namesakes_too_close_to_call_keep_the_shared_district():
    g = _gazetteer()
    norm = normalize("قصفت قوات النظام قرية تل سلمو.")
    mention = next(m for m in find_place_mentions(norm, g) if "سلمو" in norm[m.start:m.end])
    placed = resolve(mention, g, {}, "SY")
    assert placed.geo_precision == 2 and placed.location == "Al Bab"
    assert placed.rule == "places.homonyms_same_district"


def test_places_namesakes_in_two_districts_fall_back_to_the_governorate():
    g = _gazetteer()
    norm = normalize("قصفت قوات النظام قرية كفرزيتا.")
    mention = next(m for m in find_place_mentions(norm, g) if "كفرزيتا" in norm[m.start:m.end])
    placed = resolve(mention, g, {}, "SY")
    assert placed.geo_precision == 3 and placed.place.admin1 == "Idleb"


def test_places_namesake_near_the_articles_other_places_wins():
    g = _gazetteer()
    norm = normalize("استهدف القصف قريتي الفوعة وكفرزيتا.")
    mentions = find_place_mentions(norm, g)
    kafr = next(m for m in mentions if "كفرزيتا" in norm[m.start:m.end])
    context = tuple(m.candidates[0] for m in mentions if len(m.candidates) == 1)
    placed = resolve(kafr, g, {}, "SY", context)
    assert placed.place.id == "v1" and placed.geo_precision == 1
