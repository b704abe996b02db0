"""The golden evaluation gate: scores on the development gold set never fall below the recorded floor.

The floors live in tests/gold/eval_baseline.json; raise them when the extractor improves, never
lower them silently (the change must say why).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.conftest import GAZETTEER_TSV, ROOT, needs_shared

pytestmark = needs_shared
sys.path.insert(0, str(ROOT / "bench"))


def test_gold_scores_stay_above_floor():
    import gold_eval

    from rasd.evaluate import evaluate

    baseline = json.loads((ROOT / "tests" / "gold" / "eval_baseline.json").read_text())
    report = evaluate(gold_eval.gold_rows(), gold_eval.predict(GAZETTEER_TSV))
    events = report["events"]
    assert report["articles"] == baseline["articles"]
    assert events["f1"] >= baseline["floors"]["event_f1"], events
    assert events["precision"] >= baseline["floors"]["event_precision"], events
    assert events["recall"] >= baseline["floors"]["event_recall"], events
    fields = report["field_accuracy_on_matches"]
    assert fields["event_date"] >= baseline["floors"]["date_accuracy"], fields


def test_gold_files_are_well_formed():
    from rasd.schema import SUB_EVENT_TO_TYPE

    selection = [l.strip() for l in (ROOT / "tests/gold/selection.txt").read_text().splitlines()
                 if l.strip() and not l.startswith("#")]
    assert len(selection) == len(set(selection)) == 66
    seen = set()
    for path in sorted((ROOT / "tests" / "gold").glob("dev_gold_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            seen.add(row["doc_id"])
            if row.get("no_event"):
                continue
            assert SUB_EVENT_TO_TYPE[row["sub_event_type"]] == row["event_type"]
            assert row["geo_precision"] in (1, 2, 3) and row["time_precision"] in (1, 2, 3)
    assert seen == set(selection)


def test_gold_places_geocoding_stays_above_floor():
    import geocode_eval

    baseline = json.loads((ROOT / "tests" / "gold" / "eval_baseline.json").read_text())["floors"]
    report = geocode_eval.evaluate(GAZETTEER_TSV)
    assert report["all"]["places"] == 93
    assert report["all"]["accuracy"] >= baseline["geocode_all"], report["all"]
    assert report["in_gazetteer"]["accuracy"] >= baseline["geocode_in_gazetteer"], report["in_gazetteer"]
