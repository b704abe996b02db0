"""Helpers to run ``python -m rasd`` from this checkout as a real subprocess, and to dump a store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]


def rasd_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("RASD_GAZETTEER", None)
    return env


def rasd_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "rasd", *args]


def run_rasd(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(rasd_command(*args), env=rasd_env(), capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"rasd {' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def dump(url: str, *, ignore: tuple[str, ...] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every store table (sorted), without the columns in ``ignore``."""
    engine = create_engine(url)
    tables = ("articles", "events", "event_sources", "candidates", "rejected", "deletions", "audit_log",
              "country_sequences")
    out = {}
    with engine.connect() as connection:
        for table in tables:
            result = connection.execute(text(f"SELECT * FROM {table}"))
            keep = [i for i, name in enumerate(result.keys()) if name not in ignore]
            out[table] = sorted((tuple(str(row[i]) for i in keep) for row in result), key=repr)
    engine.dispose()
    return out
