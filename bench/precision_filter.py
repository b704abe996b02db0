"""Experiment: would a learned filter over rasd's own signals remove false events?

    python bench/precision_filter.py [--heldout]

For every event rasd codes on the three development gold sets, the label is whether it matches
a gold event (``rasd.evaluate.match``, as ``bench/gold_eval.py`` scores). The features are the
rule signals each event already carries: which date rule and place rule fired (from
``explain``), precisions, event type, actors named, deaths, a definite trigger noun, where in the
article its sentence stands, how many events its article has. A logistic regression (numpy, L2)
is trained on two sets and applied to the third (leave one set out); an event whose predicted
probability of being right is below the threshold would become a candidate. Printed: each held
out set's F1 without and with the filter, for several thresholds. ``--heldout`` trains on all
three development sets and scores the held-out set once (figures only).

This is a measurement for the next step of issue 3 (docs/ACCURACY.md), not part of the pipeline.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gold_eval  # noqa: E402

SETS: tuple[bool | str, ...] = (False, "dev2", "dev3")
_DATE_RULES = ("day_month", "ordinal", "numeric", "relative", "today_weekday", "weekday", "month", "publication_default",
               "the day it was reported", "the article's lead", "earlier in the paragraph", "period", "ago")
_PLACE_RULES = ("locality", "near", "neighbourhood", "feature", "region", "governorate", "rural", "same_paragraph",
                "anaphor", "district", "one of", "anchor", "container", "unknown_village")
_TYPES = ("Battles", "Explosions/Remote violence", "Violence against civilians", "Protests", "Riots",
          "Strategic developments")


WORD_DIMENSIONS = 256  # hashed bag of words around the trigger (``--words``)


def word_features(event: dict, text: str) -> list[float]:
    """The normalised words within four of the trigger (and the trigger's own), hashed into
    ``WORD_DIMENSIONS`` buckets (crc32: stable across runs, unlike ``hash``)."""
    import zlib

    from rasd.normalize import normalize

    trigger = event.get("evidence", {}).get("trigger") or {}
    start, end = trigger.get("start") or 0, trigger.get("end") or 0
    before = normalize(text[max(0, start - 80):start]).split()[-4:]
    after = normalize(text[end:end + 80]).split()[:4]
    vector = [0.0] * WORD_DIMENSIONS
    for side, words in (("b", before), ("t", normalize(trigger.get("text") or "").split()), ("a", after)):
        for word in words:
            vector[zlib.crc32(f"{side}:{word}".encode()) % WORD_DIMENSIONS] = 1.0
    return vector


def features(event: dict, article_length: int, events_in_article: int) -> list[float]:
    explain = event.get("explain", {})
    date_rule, place_rule = explain.get("event_date", ""), explain.get("location", "")
    trigger = event.get("evidence", {}).get("trigger") or {}
    word = (trigger.get("text") or " ").split()[0]
    definite = bool(re.match(r"^[وفب]?(ال|لل)", word))
    position = (trigger.get("start") or 0) / max(1, article_length)
    return [1.0,
            *(float(r in date_rule) for r in _DATE_RULES),
            *(float(r in place_rule) for r in _PLACE_RULES),
            *(float(event.get("geo_precision") == g) for g in (1, 2, 3)),
            *(float(event.get("time_precision") == t) for t in (1, 2, 3)),
            *(float(event["event_type"] == t) for t in _TYPES),
            float(bool(event.get("actor1"))), float(bool(event.get("actor2"))), float(event.get("fatalities", 0) > 0),
            float(definite), position, float(position < 0.15), min(events_in_article, 10) / 10]


def dataset(which: bool | str, gazetteer, words: bool = False) -> tuple[np.ndarray, np.ndarray, list[dict], list[dict], list[dict]]:  # type: ignore[no-untyped-def]
    from rasd.evaluate import match

    articles = {a["id"]: a for a in gold_eval.gold_articles(which)}
    predicted = gold_eval.predict(gazetteer, which)
    rows = gold_eval.gold_rows(which)
    gold = [g for g in rows if not g.get("no_event")]
    events = [p for p in predicted if p["status"] == "event"]
    matched = {pi for _, pi in match(gold, events)}
    per_article: dict[str, int] = {}
    for e in events:
        per_article[e["doc_id"]] = per_article.get(e["doc_id"], 0) + 1
    x = np.array([features(e, len(articles[e["doc_id"]]["text"]), per_article[e["doc_id"]])
                  + (word_features(e, articles[e["doc_id"]]["text"]) if words else []) for e in events])
    y = np.array([1.0 if i in matched else 0.0 for i in range(len(events))])
    return x, y, events, rows, predicted


def train(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 3000, rate: float = 0.1) -> np.ndarray:
    w = np.zeros(x.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-x @ w))
        gradient = x.T @ (p - y) / len(y) + l2 * np.r_[0, w[1:]] / len(y)
        w -= rate * gradient
    return w


def f1(tp: int, predicted: int, gold: int) -> float:
    return 2 * tp / (predicted + gold) if predicted + gold else 0.0


def score(w: np.ndarray, x: np.ndarray, y: np.ndarray, gold: int, threshold: float) -> tuple[float, int, int]:
    keep = (1 / (1 + np.exp(-x @ w))) >= threshold
    return f1(int((y * keep).sum()), int(keep.sum()), gold), int(keep.sum()), int((y * keep).sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--heldout", action="store_true", help="train on the three development sets, score the held-out set")
    parser.add_argument("--words", action="store_true", help="add a hashed bag of the words around the trigger")
    args = parser.parse_args()
    from rasd.gazetteer import get_gazetteer

    gazetteer = get_gazetteer(None)
    data = {str(s): dataset(s, gazetteer, args.words) for s in SETS}
    thresholds = (0.0, 0.2, 0.3, 0.4, 0.5)
    gold_counts = {k: sum(1 for g in v[3] if not g.get("no_event")) for k, v in data.items()}
    if args.heldout:
        w = train(np.vstack([v[0] for v in data.values()]), np.concatenate([v[1] for v in data.values()]))
        x, y, *_rest, rows, _ = dataset(True, gazetteer, args.words)
        gold = sum(1 for g in rows if not g.get("no_event"))
        for t in thresholds:
            value, kept, tp = score(w, x, y, gold, t)
            print(f"held-out  threshold {t:.1f}: F1 {value:.3f} (kept {kept}, matched {tp}, gold {gold})")
        return
    for held in data:
        train_sets = [k for k in data if k != held]
        w = train(np.vstack([data[k][0] for k in train_sets]), np.concatenate([data[k][1] for k in train_sets]))
        x, y = data[held][0], data[held][1]
        line = [f"{'dev' if held == 'False' else held:5s}"]
        for t in thresholds:
            value, kept, tp = score(w, x, y, gold_counts[held], t)
            line.append(f"t={t:.1f}: F1 {value:.3f} ({tp}/{kept})")
        print("  ".join(line))


if __name__ == "__main__":
    main()
