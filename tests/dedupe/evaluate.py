"""Pairwise precision and recall of the merge decision on the labelled pairs.

    python tests/dedupe/evaluate.py      (also used by tests/test_dedupe.py)
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "src"))

from rasd.schema import Event  # noqa: E402
from rasd.store.dedupe import same_incident  # noqa: E402


def load_pairs() -> list[dict]:
    return [json.loads(line) for line in (HERE / "pairs.jsonl").read_text(encoding="utf-8").splitlines() if line]


def as_event(fields: dict) -> Event:
    return Event.model_validate(fields)


def score(pairs: list[dict]) -> dict[str, object]:
    tp = fp = fn = tn = 0
    errors = []
    for pair in pairs:
        if pair["label"] is None:
            continue
        decision = same_incident(as_event(pair["a"]), as_event(pair["b"]))
        if decision.same and pair["label"] == 1:
            tp += 1
        elif decision.same:
            fp += 1
            errors.append(("FP", pair["pair_id"], decision.reason, pair["note"]))
        elif pair["label"] == 1:
            fn += 1
            errors.append(("FN", pair["pair_id"], decision.reason, pair["note"]))
        else:
            tn += 1
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {"pairs": len(pairs), "labelled": tp + fp + fn + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": round(precision, 3), "recall": round(recall, 3),
            "strata": dict(Counter(p["stratum"] for p in pairs)), "errors": errors}


if __name__ == "__main__":
    result = score(load_pairs())
    for error in result.pop("errors"):  # type: ignore[union-attr]
        print(*error, sep="\t")
    print(json.dumps(result, indent=2))
