"""Fit the merge model (``rasd.store.linker.MergeModel``) on the labelled design pairs.

    python tests/dedupe/train_merge_model.py            print the cross-validated figures and the model
    python tests/dedupe/train_merge_model.py --write    also write src/rasd/data/dedupe/merge_model.yaml
    ... --write --out PATH                              write PATH instead (use it with RASD_MERGE_MODEL=PATH)

Training pairs: every labelled pair of ``diagnose.DESIGN_SETS`` (the sets whose errors may be
read), re-coded by the current extractor (``evaluate.reextract``); a pair with a passage no longer
read as an event is left out (it has no record to compare). Never a later set: those measure the
store (``evaluate.py --store``). Features: ``rasd.store.linker.pair_features`` of the two current
records, standardised; a logistic regression (scikit-learn, L2, ``C``) fits the weights.

Before fitting on all of them, each design set is held out in turn (a model fitted on the others
scores it): the printed cross-validated precision and recall at each threshold are what to expect
on unseen pairs of the pairwise decision (rule and model), and ``--threshold`` is chosen from them
(default 0.5: the model's own "more likely the same than not"). scikit-learn is a test dependency
(``pip install -e .[test]``); the store reads only the YAML file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import evaluate as ev  # noqa: E402
from diagnose import DESIGN_SETS  # noqa: E402

from rasd.store.dedupe import same_incident  # noqa: E402
from rasd.store.linker import FEATURES, pair_features  # noqa: E402

MODEL_PATH = ev.ROOT / "src/rasd/data/dedupe/merge_model.yaml"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7)


def design_pairs(corpus: Path = ev.DEFAULT_CORPUS) -> dict[str, list[tuple[list[float], int, bool]]]:
    """Per design set: (features, label, rule decision) of each labelled pair whose two passages
    the current extractor still reads as events (records or candidates)."""
    pairs = {which: ev.load_pairs(which) for which in DESIGN_SETS}
    articles = ev.labelled_articles([p for ps in pairs.values() for p in ps], corpus)
    run = ev.corpus_runner(articles)
    out: dict[str, list[tuple[list[float], int, bool]]] = {}
    for which, labelled in pairs.items():
        current, _ = ev.reextract([p for p in labelled if p["label"] is not None], run)
        rows = []
        for pair in current:
            a, b = pair["current_a"], pair["current_b"]
            features = pair_features(a, b)
            rule = a.status == b.status == "event" and same_incident(a, b).same
            rows.append(([features[name] for name in FEATURES], int(pair["label"]), rule))
        out[which] = rows
    return out


def fit(rows: list[tuple[list[float], int, bool]], c: float):  # type: ignore[no-untyped-def]
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000))
    model.fit([r[0] for r in rows], [r[1] for r in rows])
    return model


def cross_validated(sets: dict[str, list[tuple[list[float], int, bool]]], c: float) -> dict[float, dict[str, float]]:
    """Each design set held out in turn; the pairwise decision (the rule matches and the model's
    probability reaches the threshold) scored on the held-out pairs, pooled."""
    counts = {t: {"tp": 0, "fp": 0, "fn": 0} for t in THRESHOLDS}
    for held_out in sets:
        model = fit([r for which, rows in sets.items() if which != held_out for r in rows], c)
        rows = sets[held_out]
        probabilities = model.predict_proba([r[0] for r in rows])[:, 1]
        for t in THRESHOLDS:
            for (_, label, rule), p in zip(rows, probabilities):
                joined = rule and p >= t
                counts[t]["tp"] += joined and label == 1
                counts[t]["fp"] += joined and label == 0
                counts[t]["fn"] += not joined and label == 1
    return {t: {"precision": round(c_["tp"] / max(c_["tp"] + c_["fp"], 1), 3),
                "recall": round(c_["tp"] / max(c_["tp"] + c_["fn"], 1), 3)} for t, c_ in counts.items()}


def as_yaml(model, rows: int, threshold: float, c: float) -> dict[str, object]:  # type: ignore[no-untyped-def]
    scaler, regression = model.named_steps["standardscaler"], model.named_steps["logisticregression"]
    return {
        "trained_on": (f"{rows} labelled design pairs ({', '.join(DESIGN_SETS)}), re-coded by the extractor of "
                       f"{dt.date.today().isoformat()}; tests/dedupe/train_merge_model.py, logistic regression C={c}"),
        "threshold": threshold,
        "intercept": round(float(regression.intercept_[0]), 4),
        "weights": {name: round(float(w), 4) for name, w in zip(FEATURES, regression.coef_[0])},
        "means": {name: round(float(m), 4) for name, m in zip(FEATURES, scaler.mean_)},
        "scales": {name: round(float(s), 4) if s > 0 else 1.0 for name, s in zip(FEATURES, scaler.scale_)},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_PATH.relative_to(ev.ROOT)}")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="where --write writes the model")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--c", type=float, default=0.3, help="inverse L2 strength")
    parser.add_argument("--corpus", type=Path, default=ev.DEFAULT_CORPUS)
    args = parser.parse_args()
    sets = design_pairs(args.corpus)
    print("pairs", {which: len(rows) for which, rows in sets.items()})
    rule_only = {"tp": 0, "fp": 0, "fn": 0}
    for rows in sets.values():
        for _, label, rule in rows:
            rule_only["tp"] += rule and label == 1
            rule_only["fp"] += rule and label == 0
            rule_only["fn"] += not rule and label == 1
    print("rule alone", rule_only)
    for t, figures in cross_validated(sets, args.c).items():
        print(f"cross-validated, rule and probability >= {t}: {figures}")
    everything = [r for rows in sets.values() for r in rows]
    document = as_yaml(fit(everything, args.c), len(everything), args.threshold, args.c)
    text = ("# The merge model (rasd.store.linker.MergeModel): weights of standardised pair features.\n"
            "# Written by tests/dedupe/train_merge_model.py --write; edit the threshold by hand if you must.\n"
            + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110))
    print(text)
    if args.write:
        args.out.write_text(text, encoding="utf-8")
        print("written", args.out)


if __name__ == "__main__":
    main()
