"""Evaluation against hand-annotated gold events (``docs/GOLD_FORMAT.md`` in the shared docs).

A predicted event matches a gold event when: same article, same ``event_type``, the date within
1 day (3 days when the gold time precision is 2, 15 when it is 3), the same governorate, and, when
the gold place is precise (geo precision 1-2), the same place named (Arabic names compared after
normalisation and clitic/head stripping, or English names by close spelling). Pairs are matched
one-to-one, closest first. Only ``status == "event"`` predictions count: candidates are held
back from the dataset and so from the score.

Reported: event precision, recall and F1 (strict, and with the governorate alone as the place
test), the same per event type, and per-field accuracy on matched pairs.
"""

from __future__ import annotations

import datetime as dt
import math
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from rasd.gazetteer import canonical_admin1
from rasd.normalize import normalize

_HEADS = {normalize(w) for w in ["قرية", "بلدة", "مدينة", "حي", "ريف", "محافظة", "منطقة", "ناحية", "مخيم", "قضاء", "مطار",
                                  "حقل", "معبر", "سد", "جبل", "قاعدة", "سجن", "قرب", "بالقرب", "محيط", "أطراف", "جنوب", "شمال",
                                  "شرق", "غرب", "جنوبي", "شمالي", "شرقي", "غربي", "من", "في", "مدينتي", "بلدتي", "قريتي"]}
_DATE_WINDOW = {1: 1, 2: 3, 3: 15}
FIELDS = ("sub_event_type", "actor1", "actor2", "fatalities", "geo_precision", "time_precision", "event_date", "place")


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    rows: list[dict[str, Any]] = []
    for file in files:
        with file.open(encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return rows


def _place_words(text: str) -> str:
    words = []
    for word in normalize(text).split():
        for prefix in ("وبال", "بال", "وال", "لل", "وب", "ول", "و", "ب", "ل", "ال"):
            if word.startswith(prefix) and len(word) > len(prefix) + 2:
                word = word[len(prefix):]
                break
        if word.startswith("ال") and len(word) > 4:
            word = word[2:]
        if word not in _HEADS and normalize(word) not in _HEADS:
            words.append(word)
    return " ".join(words)


_SAME_PLACE_KM = 10.0


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _coordinates(row: dict[str, Any]) -> tuple[float, float] | None:
    try:
        return float(row["latitude"]), float(row["longitude"])
    except (KeyError, TypeError, ValueError):
        return None


def same_place(gold: dict[str, Any], pred: dict[str, Any]) -> bool:
    """Same place: within 10 km when both rows have coordinates (the gold's hand-located
    point), else the same name in Arabic or English."""
    g_xy, p_xy = _coordinates(gold), _coordinates(pred)
    if g_xy is not None and p_xy is not None and _km(*g_xy, *p_xy) <= _SAME_PLACE_KM:
        return True
    g_ar, p_ar = _place_words(gold.get("location_ar", "")), _place_words(pred.get("location_ar", ""))
    if g_ar and p_ar and (g_ar == p_ar or g_ar in p_ar or p_ar in g_ar):
        return True
    g_en, p_en = (gold.get("location_en") or "").lower(), (pred.get("location") or "").lower()
    if g_en and p_en and fuzz.ratio(g_en.split(" - ")[0], p_en.split(" - ")[0]) >= 80:
        return True
    return False


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def compatible(gold: dict[str, Any], pred: dict[str, Any], strict: bool = True) -> int | None:
    """Date distance in days when the pair can match, else None."""
    if gold["event_type"] != pred.get("event_type"):
        return None
    g, p = _date(gold.get("event_date")), _date(pred.get("event_date"))
    if g is None or p is None:
        return None
    distance = abs((g - p).days)
    if distance > _DATE_WINDOW.get(int(gold.get("time_precision") or 1), 1):
        return None
    if canonical_admin1(gold.get("admin1", "")) != canonical_admin1(pred.get("admin1", "")):
        return None
    if strict and int(gold.get("geo_precision") or 3) <= 2 and not same_place(gold, pred):
        return None
    return distance


def match(gold: list[dict[str, Any]], predicted: list[dict[str, Any]], strict: bool = True) -> list[tuple[int, int]]:
    """One-to-one pairs (gold index, predicted index), closest dates first, per article."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            if g["doc_id"] == p.get("doc_id"):
                d = compatible(g, p, strict)
                if d is not None:
                    same_sub = 0 if g.get("sub_event_type") == p.get("sub_event_type") else 1
                    pairs.append((d, same_sub, gi, pi))
    pairs.sort()
    used_g, used_p, chosen = set(), set(), []
    for _, _, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            chosen.append((gi, pi))
    return chosen


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3), "tp": tp, "predicted": n_pred, "gold": n_gold}


def _field_equal(name: str, g: dict[str, Any], p: dict[str, Any]) -> bool:
    if name == "place":
        return same_place(g, p)
    if name in ("fatalities", "geo_precision", "time_precision"):
        return int(g.get(name) or 0) == int(p.get(name) or 0)
    return (g.get(name) or "") == (p.get(name) or "")


def evaluate(gold_rows: list[dict[str, Any]], predicted_rows: list[dict[str, Any]]) -> dict[str, Any]:
    docs = {row["doc_id"] for row in gold_rows}
    gold = [row for row in gold_rows if not row.get("no_event")]
    predicted = [row for row in predicted_rows if row.get("doc_id") in docs and row.get("status", "event") == "event"]
    report: dict[str, Any] = {"articles": len(docs), "articles_without_events": len(docs - {g["doc_id"] for g in gold})}
    strict_pairs = match(gold, predicted, strict=True)
    lenient_pairs = match(gold, predicted, strict=False)
    report["events"] = _prf(len(strict_pairs), len(predicted), len(gold))
    report["events_admin1_only"] = _prf(len(lenient_pairs), len(predicted), len(gold))
    by_type: dict[str, Any] = {}
    for event_type in sorted({g["event_type"] for g in gold} | {p["event_type"] for p in predicted}):
        tp = sum(1 for gi, _ in strict_pairs if gold[gi]["event_type"] == event_type)
        by_type[event_type] = _prf(tp, sum(p["event_type"] == event_type for p in predicted),
                                   sum(g["event_type"] == event_type for g in gold))
    report["by_type"] = by_type
    fields: dict[str, Any] = {}
    for name in FIELDS:
        agree = sum(_field_equal(name, gold[gi], predicted[pi]) for gi, pi in strict_pairs)
        fields[name] = round(agree / len(strict_pairs), 3) if strict_pairs else None
    fields["event_type"] = 1.0 if strict_pairs else None  # matching requires it
    report["field_accuracy_on_matches"] = fields
    report["date_within_1_day_on_admin1_matches"] = (
        round(sum(abs((_date(gold[gi]["event_date"]) - _date(predicted[pi]["event_date"])).days) <= 1  # type: ignore[operator]
                  for gi, pi in lenient_pairs) / len(lenient_pairs), 3) if lenient_pairs else None)
    errors: dict[str, list[Any]] = defaultdict(list)
    matched_g = {gi for gi, _ in strict_pairs}
    matched_p = {pi for _, pi in strict_pairs}
    for gi, g in enumerate(gold):
        if gi not in matched_g:
            errors["missed"].append({k: g.get(k) for k in ("doc_id", "event_date", "event_type", "location_ar", "admin1")})
    for pi, p in enumerate(predicted):
        if pi not in matched_p:
            errors["spurious"].append({k: p.get(k) for k in ("doc_id", "event_date", "event_type", "location", "admin1")})
    report["errors"] = dict(errors)
    return report


def evaluate_files(gold_path: Path, predicted_path: Path) -> dict[str, Any]:
    return evaluate(load_jsonl(gold_path), load_jsonl(predicted_path))


def format_report(report: dict[str, Any]) -> str:
    e, l = report["events"], report["events_admin1_only"]
    lines = [
        f"articles: {report['articles']} ({report['articles_without_events']} without gold events)",
        f"events (strict):      P {e['precision']:.3f}  R {e['recall']:.3f}  F1 {e['f1']:.3f}  "
        f"(tp {e['tp']}, predicted {e['predicted']}, gold {e['gold']})",
        f"events (admin1 only): P {l['precision']:.3f}  R {l['recall']:.3f}  F1 {l['f1']:.3f}",
        "by event type:",
    ]
    for name, s in report["by_type"].items():
        lines.append(f"  {name:30s} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}  (gold {s['gold']}, predicted {s['predicted']})")
    lines.append("field accuracy on matched events:")
    for name, value in report["field_accuracy_on_matches"].items():
        lines.append(f"  {name:16s} {'-' if value is None else f'{value:.3f}'}")
    return "\n".join(lines)
