"""``rasd ingest --engine dask`` writes the same database as the single-process run.

Both runs are the real command in a subprocess, on the same JSONL: 300 articles of the
development corpus plus hostile lines (broken JSON, no text, not Arabic, an id clash, an HTML
article, a re-published copy under a new id, and an article that makes the extractor raise).
The Dask run uses a LocalCluster of 2 worker processes and small batches and partitions, so
batches are extracted ahead of the writer and a copy is extracted before its original is stored.
Every table is compared row by row, all columns except the wall-clock times.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import CORPUS, GAZETTEER_TSV, needs_shared
from tests.fault_injection import CRASH_MARKER, CRASH_MESSAGE
from tests.store_cli import dump, rasd_env

pytest.importorskip("distributed")
pytestmark = needs_shared

ARTICLES = 300
TIME_COLUMNS = ("ingested_at", "timestamp", "created_at", "added_at", "first_seen", "deleted_at", "at")


def _input_lines() -> list[str]:
    with CORPUS.open(encoding="utf-8") as handle:
        corpus = [json.loads(line) for _, line in zip(range(ARTICLES + 1), handle)]
    spare = corpus.pop()  # not ingested as JSON text: comes in as an HTML page
    crash = {**corpus[7], "id": "hostile-crash", "url": "", "text": corpus[7]["text"] + "\n" + CRASH_MARKER}
    copy = {**corpus[10], "id": "hostile-copy-of-10", "url": ""}  # same text: a duplicate by content
    clash = {**corpus[20], "text": corpus[30]["text"] + "\nنص مختلف", "url": ""}  # id of 20, other text
    html = {**spare, "id": "hostile-html", "url": "", "text": None,
            "html": "<html><body><article><p>" + spare["text"].replace("\n", "</p><p>")
                    + "</p></article></body></html>"}
    records = [json.dumps(r, ensure_ascii=False) for r in corpus]
    # The copy sits one batch after its original: with read-ahead it is extracted before the
    # original is written, and must still be stored as a duplicate.
    records.insert(25, json.dumps(copy, ensure_ascii=False))
    records[50:50] = [
        "{not json at all",
        json.dumps({"id": "hostile-empty", "published": "2018-03-20", "text": "   "}),
        json.dumps({"id": "hostile-latin", "published": "2018-03-20", "text": "No Arabic here, only English."}),
        json.dumps(crash, ensure_ascii=False),
        json.dumps(html, ensure_ascii=False),
    ]
    records.append(json.dumps(clash, ensure_ascii=False))
    return records


def _ingest(*args: str) -> str:
    import subprocess
    import sys

    env = rasd_env()
    # Every Dask worker process imports the fault injection at start-up, as the CLI process does.
    env["DASK_DISTRIBUTED__WORKER__PRELOAD"] = '["tests.fault_injection"]'
    result = subprocess.run([sys.executable, "-m", "tests.fault_injection", "ingest", *args, "--no-progress",
                             "--gazetteer", str(GAZETTEER_TSV)],
                            env=env, capture_output=True, text=True, timeout=300, cwd=Path(__file__).parents[1])
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("dask_equivalence")
    source = folder / "input.jsonl"
    source.write_text("\n".join(_input_lines()) + "\n", encoding="utf-8")
    single_db, dask_db = folder / "single.db", folder / "dask.db"
    single_log = _ingest(str(source), "--db", str(single_db), "--batch-size", "20")
    dask_log = _ingest(str(source), "--db", str(dask_db), "--batch-size", "20", "--engine", "dask",
                       "--workers", "2", "--partition-size", "7")
    return {"single": dump(f"sqlite:///{single_db}", ignore=TIME_COLUMNS),
            "dask": dump(f"sqlite:///{dask_db}", ignore=TIME_COLUMNS),
            "single_log": single_log, "dask_log": dask_log}


def test_dask_run_used_two_workers_and_reported_the_same_counts(two_runs: dict) -> None:
    assert "rasd: dask: 2 workers ready; gazetteer tsv: gazetteer_sy_iq.tsv.gz" in two_runs["dask_log"]
    summary = [line for line in two_runs["single_log"].splitlines() if line.startswith("rasd: ingest:")]
    assert summary and summary[0] in two_runs["dask_log"]
    # new: the corpus, the HTML page and the crashed article (stored as failed); duplicate: the copy;
    # rejected: bad JSON, no text, not Arabic, the crash, the id clash
    assert summary[0].startswith(f"rasd: ingest: read {ARTICLES + 7}, new {ARTICLES + 2}, duplicate 1, "
                                 f"coded {ARTICLES + 1}, rejected 5; ")


@pytest.mark.parametrize("table", ["articles", "events", "event_sources", "candidates", "rejected", "deletions",
                                   "audit_log", "country_sequences"])
def test_dask_database_equals_single_process_database(two_runs: dict, table: str) -> None:
    single, dask = two_runs["single"][table], two_runs["dask"][table]
    assert single == dask, f"{table}: {len(single)} rows single-process, {len(dask)} with Dask"


def test_the_inputs_exercise_events_merges_candidates_and_rejects(two_runs: dict) -> None:
    tables = two_runs["dask"]
    # deletions: stored events joined by a later report (10 with the merge model of session 8)
    assert len(tables["events"]) > 500 and len(tables["candidates"]) > 100 and len(tables["deletions"]) >= 8
    merged = [row for row in tables["audit_log"] if row[1] == "merge"]
    assert len(merged) > 100
    reasons = "\n".join(str(row) for row in tables["rejected"])
    assert f"extractor error: RuntimeError: {CRASH_MESSAGE}" in reasons and "hostile-crash" in reasons
    assert "already stored with different content" in reasons
    assert len(tables["rejected"]) >= 5  # bad JSON, empty, not Arabic, the crash, the clash
    failed = [row for row in tables["articles"] if row[0] == "hostile-crash"]
    assert failed and "failed" in failed[0]


def test_worker_environment_cannot_change_the_gazetteer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gazetteer is resolved on the client and sent to workers as an absolute path (or as
    the explicit fallback), never re-read from a worker's own RASD_GAZETTEER."""
    from rasd.dask_engine import ExtractorSpec

    monkeypatch.setenv("RASD_GAZETTEER", "relative/gaz.tsv.gz")
    assert ExtractorSpec.resolve(None).gazetteer == str(Path("relative/gaz.tsv.gz").resolve())
    monkeypatch.delenv("RASD_GAZETTEER")
    assert ExtractorSpec.resolve(None).gazetteer is None
    assert ExtractorSpec.resolve(GAZETTEER_TSV).gazetteer == str(GAZETTEER_TSV.resolve())
    assert os.path.isabs(ExtractorSpec.resolve(GAZETTEER_TSV).gazetteer or "")
