"""Kill-and-resume: ``rasd ingest`` killed with a real SIGKILL mid-run leaves a consistent store,
and re-running completes the work with no duplicates and nothing lost, on SQLite and PostgreSQL.
The result must equal that of one uninterrupted run (times aside)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import CORPUS, STORE_BACKENDS, fresh_database_url, needs_shared
from tests.store_cli import dump, rasd_command, rasd_env, run_rasd

pytestmark = needs_shared
ARTICLES = 240
BATCH = 10
TIME_COLUMNS = ("ingested_at", "timestamp", "created_at", "added_at", "first_seen", "deleted_at", "at", "id")


def _articles_stored(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT count(*) FROM articles")).scalar_one()
    except Exception:  # the schema may not exist yet
        return 0
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def corpus_slice(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("crash") / "slice.jsonl"
    with CORPUS.open(encoding="utf-8") as source, path.open("w", encoding="utf-8") as out:
        for number, line in enumerate(source):
            if number >= ARTICLES:
                break
            out.write(line)
        out.write("{not json\n")  # one bad line: its rejection must not be duplicated either
    return path


@pytest.mark.parametrize("backend", STORE_BACKENDS)
def test_store_ingest_killed_mid_run_resumes_without_loss_or_duplicates(backend: str, tmp_path: Path,
                                                                         corpus_slice: Path) -> None:
    clean_url = fresh_database_url(backend, tmp_path / "clean")
    killed_url = fresh_database_url(backend, tmp_path / "killed")
    for folder in (tmp_path / "clean", tmp_path / "killed"):
        folder.mkdir(exist_ok=True)
    run_rasd("ingest", str(corpus_slice), "--db", clean_url, "--batch-size", str(BATCH), "--no-progress")

    process = subprocess.Popen(rasd_command("ingest", str(corpus_slice), "--db", killed_url, "--batch-size", str(BATCH),
                                            "--no-progress"), env=rasd_env(), stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _articles_stored(killed_url) < 3 * BATCH:
        assert process.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline, "no batch committed within 120 s"
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    process.stderr.close()  # type: ignore[union-attr]

    stored = _articles_stored(killed_url)
    assert 3 * BATCH <= stored < ARTICLES, "the kill must land mid-run"
    assert stored % BATCH == 0, "a killed batch is rolled back as a whole"
    engine = create_engine(killed_url)
    with engine.connect() as connection:
        orphans = connection.execute(text(
            "SELECT count(*) FROM event_sources s LEFT JOIN events e ON e.event_id_cnty = s.event_id_cnty "
            "WHERE e.event_id_cnty IS NULL")).scalar_one()
        assert orphans == 0
    engine.dispose()

    resumed = run_rasd("ingest", str(corpus_slice), "--db", killed_url, "--batch-size", str(BATCH), "--no-progress")
    summary = resumed.stderr.strip().splitlines()[-1]
    assert f"duplicate {stored}," in summary and f"new {ARTICLES - stored}," in summary, summary
    assert _articles_stored(killed_url) == ARTICLES
    assert dump(killed_url, ignore=TIME_COLUMNS) == dump(clean_url, ignore=TIME_COLUMNS)
    ids = [json.loads(line)["id"] for line in corpus_slice.read_text(encoding="utf-8").splitlines()[:ARTICLES]]
    engine = create_engine(killed_url)
    with engine.connect() as connection:
        assert sorted(r[0] for r in connection.execute(text("SELECT id FROM articles"))) == sorted(ids)
    engine.dispose()
