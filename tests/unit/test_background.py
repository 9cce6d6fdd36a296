"""The one mechanism for jobs beside the app: passes at start, a loop per job, failures logged."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from community.background import BackgroundJob, running_jobs
from community.settings import Settings


def test_jobs_run_their_passes_and_a_failing_pass_does_not_end_the_loop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("kindred.test.background")
    passes: dict[str, int] = {"at_start": 0, "flaky": 0, "off": 0}

    async def scenario() -> tuple[int, int]:
        second_flaky_pass = asyncio.Event()

        async def at_start(_runtime: Any) -> int:
            passes["at_start"] += 1
            return 0

        async def flaky(_runtime: Any) -> int:
            passes["flaky"] += 1
            if passes["flaky"] == 1:
                raise RuntimeError("database went away")
            second_flaky_pass.set()
            return 2

        async def off(_runtime: Any) -> int:
            passes["off"] += 1
            return 0

        jobs = [
            # Its loop waits an hour: only the pass at start runs here.
            BackgroundJob("first", "starting", 3600, at_start, log, at_start=True),
            BackgroundJob("flaky", "flaking", 0, flaky, log),
            BackgroundJob("off", "never", 0, off, log, enabled=lambda _settings: False),
        ]
        runtime: Any = type("FakeRuntime", (), {"settings": Settings()})()
        async with running_jobs(runtime, jobs):
            at_start_before_serving = passes["at_start"]
            await second_flaky_pass.wait()
        return at_start_before_serving, passes["at_start"]

    with caplog.at_level(logging.INFO, logger="kindred.test.background"):
        assert asyncio.run(scenario()) == (1, 1)
    assert passes["flaky"] >= 2 and passes["off"] == 0
    assert "flaking failed" in caplog.text and "database went away" in caplog.text
    assert "flaking: 2" in caplog.text
