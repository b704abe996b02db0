"""How far two blind labellings of the same pairs agree (session 8): the labels' own ceiling.

    python tests/dedupe/agreement.py        every set with a second labelling in tests/dedupe/agreement/

A set's second labelling (``agreement/NAME.tsv``: pair_id, label, note) was made from the set's
``to_label.txt`` alone, with the written conventions and never the first labels
(``NAME/labels.tsv``). Printed per set and pooled: the pairs both label 0 or 1, the share on which
they agree, Cohen's kappa, and the second labelling scored as a merge decision against the first
(precision, recall): what a perfect reader of these conventions would score, give or take.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent


def read_labels(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            fields = line.split("\t")
            out[fields[0]] = fields[1].strip()
    return out


def agreement(first: dict[str, str], second: dict[str, str]) -> dict[str, float]:
    both = [(first[k], second[k]) for k in first if k in second and first[k] in ("0", "1") and second[k] in ("0", "1")]
    n = len(both)
    agree = sum(a == b for a, b in both)
    ones_first = sum(a == "1" for a, _ in both) / n
    ones_second = sum(b == "1" for _, b in both) / n
    expected = ones_first * ones_second + (1 - ones_first) * (1 - ones_second)
    tp = sum(a == b == "1" for a, b in both)
    fp = sum(a == "0" and b == "1" for a, b in both)
    fn = sum(a == "1" and b == "0" for a, b in both)
    return {"pairs": n, "agreement": round(agree / n, 3), "kappa": round((agree / n - expected) / (1 - expected), 3),
            "precision": round(tp / (tp + fp), 3), "recall": round(tp / (tp + fn), 3)}


def main() -> None:
    pooled_first: dict[str, str] = {}
    pooled_second: dict[str, str] = {}
    for second_path in sorted((HERE / "agreement").glob("*.tsv")):
        first, second = read_labels(HERE / second_path.stem / "labels.tsv"), read_labels(second_path)
        pooled_first.update(first)
        pooled_second.update(second)
        print(second_path.stem, json.dumps(agreement(first, second)))
    print("pooled", json.dumps(agreement(pooled_first, pooled_second)))


if __name__ == "__main__":
    main()
