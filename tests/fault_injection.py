"""Fault injection for the engine tests: the Extractor raises on an article whose text holds
``CRASH_MARKER``, so a test can put an extractor crash in its input data.

- ``python -m tests.fault_injection ingest ...``: the rasd CLI, with the fault installed;
- ``DASK_DISTRIBUTED__WORKER__PRELOAD='["tests.fault_injection"]'``: Dask imports this module in
  every worker process at start-up and calls ``dask_setup``, so workers carry the same fault.
"""

from __future__ import annotations

from typing import Any

CRASH_MARKER = "RASD_TEST_CRASH_THE_EXTRACTOR"
CRASH_MESSAGE = "injected extractor failure"


def install() -> None:
    from rasd.pipeline import Extractor

    original = Extractor.run
    if getattr(original, "fault_injected", False):
        return

    def run(self: Extractor, article: Any) -> Any:
        if CRASH_MARKER in article.text:
            raise RuntimeError(CRASH_MESSAGE)
        return original(self, article)

    run.fault_injected = True  # type: ignore[attr-defined]
    Extractor.run = run  # type: ignore[method-assign]


def dask_setup(worker: object) -> None:
    install()


if __name__ == "__main__":
    install()
    from rasd.cli import app

    app(prog_name="rasd")
