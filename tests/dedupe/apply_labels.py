"""Join the human labels (labels.tsv) with the frozen pairs (pairs_unlabelled.jsonl) into pairs.jsonl.

    python tests/dedupe/apply_labels.py [--set NAME]  (a set of evaluate.SETS)

pairs.jsonl holds, per pair, the coded fields the merge rule reads (no article text), the
stratum it was sampled from, the label (1, 0, or null when undecidable) and the labeller's note.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from evaluate import SETS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", choices=tuple(SETS), default="first")
    which = parser.parse_args().set
    here = HERE if which == "first" else HERE / which
    labels: dict[str, tuple[int | None, str]] = {}
    for line in (here / "labels.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        pair_id, label, note = line.split("\t", 2)
        labels[pair_id] = ({"1": 1, "0": 0, "?": None}[label], note)
    out = []
    for line in (here / "pairs_unlabelled.jsonl").read_text(encoding="utf-8").splitlines():
        pair = json.loads(line)
        label, note = labels[pair["pair_id"]]
        out.append({**pair, "label": label, "note": note})
    with open(here / "pairs.jsonl", "w", encoding="utf-8") as handle:
        for pair in out:
            handle.write(json.dumps(pair, ensure_ascii=False) + "\n")
    print(f"{len(out)} pairs, {sum(p['label'] == 1 for p in out)} same, {sum(p['label'] == 0 for p in out)} different, "
          f"{sum(p['label'] is None for p in out)} undecidable")


if __name__ == "__main__":
    main()
