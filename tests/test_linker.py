"""The merge model (rasd.store.linker): its file, its features, and its decisions on real pairs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from rasd.store.dedupe import one_incident, same_incident
from rasd.store.linker import FEATURES, default_merge_model, load_merge_model, pair_features
from tests.conftest import CORPUS, needs_shared
from tests.dedupe.evaluate import corpus_runner, labelled_articles, load_pairs, reextract
from tests.store_factories import DAY, make_event

SHIPPED = Path(__file__).resolve().parents[1] / "src/rasd/data/dedupe/merge_model.yaml"


def test_merge_model_shipped_file_names_every_feature_once() -> None:
    model = default_merge_model()
    assert set(model.weights) == set(model.means) == set(model.scales) == set(FEATURES)
    assert 0.0 < model.threshold < 1.0
    assert "design pairs" in model.trained_on


def test_merge_model_malformed_file_is_a_clear_error(tmp_path: Path) -> None:
    document = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    del document["weights"]["sentence_char_cosine"]
    (tmp_path / "missing.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ValidationError, match="weights: missing \\['sentence_char_cosine'\\]"):
        load_merge_model(tmp_path / "missing.yaml")
    document = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    document["scales"]["log_km"] = 0
    (tmp_path / "scale.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(ValidationError, match="scales must be positive"):
        load_merge_model(tmp_path / "scale.yaml")


sentences = st.sampled_from([
    "", "وقتل مدنيان في غارات على أريحا السبت.", "قصف مدفعي على أريحا أوقع 3 قتلى.",
    "وخرجت الأحد احتجاجات مماثلة في مدينتي الناصرية والسماوة.", "Ariha 2021",
])


@given(sentences, sentences, st.integers(0, 20), st.integers(0, 20), st.integers(0, 5),
       st.floats(-0.2, 0.2), st.sampled_from([1, 2, 3]), st.sampled_from([1, 2, 3]))
def test_merge_model_features_and_probability_are_symmetric(sentence_a: str, sentence_b: str, deaths_a: int,
                                                            deaths_b: int, days: int, dlat: float, precision_a: int,
                                                            precision_b: int) -> None:
    a = make_event(source_sentence=sentence_a, fatalities=deaths_a, time_precision=precision_a)
    b = make_event(source_sentence=sentence_b, fatalities=deaths_b, geo_precision=precision_b,
                   event_date=DAY + dt.timedelta(days=days), latitude=35.8137 + dlat)
    assert pair_features(a, b) == pair_features(b, a)
    assert tuple(pair_features(a, b)) == FEATURES
    model = default_merge_model()
    assert model.probability(a, b) == pytest.approx(model.probability(b, a))
    assert 0.0 <= model.probability(a, b) <= 1.0


def test_merge_model_from_the_environment_replaces_the_shipped_one(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # an analyst's own model: here the shipped one made stricter than any pair can pass
    document = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    document["threshold"] = 1.0
    (tmp_path / "strict.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    told = make_event(source_sentence="وقتل مدنيان في اشتباكات في أريحا.")
    retold = make_event(source_sentence="وقتل مدنيان في اشتباكات في أريحا.", source="SANA")
    assert one_incident(told, retold).same
    monkeypatch.setenv("RASD_MERGE_MODEL", str(tmp_path / "strict.yaml"))
    default_merge_model.cache_clear()
    try:
        assert default_merge_model().threshold == 1.0
        assert not one_incident(told, retold).same
        assert one_incident(told, retold).reason.startswith("model ")
    finally:
        monkeypatch.delenv("RASD_MERGE_MODEL")
        default_merge_model.cache_clear()
    assert one_incident(told, retold).same


def test_merge_model_is_not_asked_about_a_record_without_a_sentence() -> None:
    # a record typed in by an analyst has no sentence: the rule alone decides
    typed, told = make_event(), make_event(source_sentence="وقتل مدنيان في اشتباكات في أريحا.")
    assert one_incident(typed, told) == same_incident(typed, told)
    assert one_incident(typed, told).same


# Pairs of the design sets (the model's training pairs) that the rule matches: the model keeps two
# tellings of one incident and refuses two acts. The labels are the helpers' (tests/dedupe/*/labels.tsv).
@needs_shared
@pytest.mark.parametrize(("which", "pair_id", "same"), [
    ("second", "s034", True),   # the same AFP sentence on Sunday's protests in Nasiriyah, in two outlets
    ("second", "s070", True),   # the Douma chemical attack, told by activists in two articles
    ("third", "t009", True),    # the air strikes on Douma after midnight, Tuesday 20 March 2018
    ("third", "t002", False),   # inspectors at the site of the Douma attack vs the shelling of Hajar al-Aswad
])
def test_merge_model_on_labelled_pairs_the_rule_matches(which: str, pair_id: str, same: bool) -> None:
    pair = next(p for p in load_pairs(which) if p["pair_id"] == pair_id)
    assert pair["label"] == int(same)
    current, _ = reextract([pair], corpus_runner(labelled_articles([pair], CORPUS)))
    a, b = current[0]["current_a"], current[0]["current_b"]
    assert same_incident(a, b).same  # the rule alone merges every one of them
    decision = one_incident(a, b)
    assert decision.same is same, decision.reason
    assert "model " in decision.reason


@needs_shared
def test_merge_model_shipped_is_what_training_on_the_design_pairs_gives() -> None:
    """The shipped weights are those ``tests/dedupe/train_merge_model.py`` fits with the current
    extractor: an extractor change that moves the design pairs' features fails here until the model
    is trained again (``--write``) and the store figures measured again (docs/ACCURACY.md)."""
    pytest.importorskip("sklearn")
    from tests.dedupe.train_merge_model import as_yaml, design_pairs, fit

    shipped = default_merge_model()
    sets = design_pairs(CORPUS)
    rows = [r for rows in sets.values() for r in rows]
    c = float(shipped.trained_on.rsplit("C=", 1)[1])
    fitted = as_yaml(fit(rows, c), len(rows), shipped.threshold, c)
    assert f"{len(rows)} labelled design pairs" in shipped.trained_on
    assert fitted["intercept"] == pytest.approx(shipped.intercept, abs=2e-3)
    for table in ("weights", "means", "scales"):
        assert fitted[table] == pytest.approx(getattr(shipped, table), abs=2e-3), table
