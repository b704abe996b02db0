"""Gazetteer acceptance on the seed article: the places of the Coalition's tour are in Deir ez-Zor,
and the IED is placed south of al-Hasakah."""

from __future__ import annotations

import pytest

from rasd.schema import Article
from tests.conftest import needs_shared

pytestmark = needs_shared


@pytest.fixture(scope="module")
def seed_places(full_extractor, seed_article):
    article = Article.model_validate(seed_article)
    return full_extractor.geocode(article)


@pytest.mark.parametrize("name", ["المعامل", "أبو خشب", "حقل العمر", "الباغوز"])
def test_geocode_tour_places_in_deir_ez_zor(seed_places, name):
    found = [r for span, r in seed_places if name in span.text]
    assert found, f"{name} not geocoded"
    assert all(r.place.admin1 == "Deir ez-Zor" for r in found), [(r.place.id, r.place.admin1) for r in found]


def test_geocode_ied_south_of_hasakah(seed_places):
    south = [r for span, r in seed_places if span.text.startswith("جنوبي الحسكة")]
    assert south and south[0].place.admin1 == "Al-Hasakah" and south[0].geo_precision == 2


def test_geocode_unknown_namesake_falls_back_to_container(full_extractor):
    # المعامل exists in the gazetteer only in Aleppo; followed by "rural Deir ez-Zor" it is there
    article = Article(id="t", published="2021-12-09", text="انطلقت جولة من منطقة المعامل في ريف دير الزور الشمالي.")
    placed = full_extractor.geocode(article)
    assert placed and all(r.place.admin1 == "Deir ez-Zor" for _, r in placed)
    assert all(r.geo_precision in (2, 3) for _, r in placed)  # near the named area, never the namesake
