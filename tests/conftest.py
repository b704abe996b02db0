"""Shared fixtures: where ../shared is, the gazetteers, and the seed article."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RASD_SHARED", ROOT.parent / "shared"))
if not SHARED.is_absolute():
    SHARED = (ROOT / SHARED).resolve()
GAZETTEER_TSV = SHARED / "data" / "gazetteer" / "gazetteer_sy_iq.tsv.gz"
SEED = SHARED / "data" / "seed"
CORPUS = SHARED / "data" / "corpus" / "dev.jsonl"

needs_shared = pytest.mark.skipif(not SHARED.exists(), reason=f"shared data not found at {SHARED} (set RASD_SHARED)")


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """rasd's caches go to a temporary RASD_HOME, never the developer's own."""
    os.environ.setdefault("RASD_HOME", str(tmp_path_factory.mktemp("rasd_home")))
    os.environ.pop("RASD_GAZETTEER", None)


@pytest.fixture(scope="session")
def seed_article() -> dict:
    return json.loads((SEED / "article.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def full_extractor():
    from rasd.gazetteer import get_gazetteer
    from rasd.pipeline import Extractor

    return Extractor(get_gazetteer(GAZETTEER_TSV))


@pytest.fixture(scope="session")
def fallback_extractor():
    from rasd.gazetteer import fallback_gazetteer
    from rasd.pipeline import Extractor

    return Extractor(fallback_gazetteer())
