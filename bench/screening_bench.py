"""Screening benchmark: per-text latency (p50, p99, max) and the model's load time.

Quality is not measured here: cross-validated figures come from
`python -m moderation.screening.train --compare` (training batches only) and the honest ones
from `python -m moderation.screening.frozen` (the frozen sets, once per model).

Run from the repository root: `python bench/screening_bench.py`. It writes
`bench/results/screening-latest.md` and exits 1 when a budget is missed: p99 CPU time per
text <= 5 ms (wall-clock p99 is reported beside it; on a shared machine it includes waiting
for a CPU), and loading model.npz into a ready model in a fresh process <= 1 s (importing
the pipeline, mostly compiling the rules' regular expressions, is reported beside it).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Running as a script puts bench/ first on the path, not the repository root.
sys.path.insert(0, str(ROOT))

from moderation.screening import screen  # noqa: E402
from moderation.screening.model import MODEL_PATH, load_model  # noqa: E402
from moderation.screening.train import load  # noqa: E402

REPORT = ROOT / "bench" / "results" / "screening-latest.md"
MIN_TEXTS = 10000
P99_BUDGET = 0.005  # seconds of CPU per text
LOAD_BUDGET = 1.0  # seconds, fresh process
# The machine may be shared; the round with the median p99 is reported.
ROUNDS = 3
# In a fresh interpreter: importing the pipeline (the rules' regular expressions and the
# model module; not budgeted), then reading model.npz into the ready model (budgeted).
LOAD_PROBE = (
    "import time; t = time.perf_counter(); "
    "from moderation.screening.model import LinearModel; i = time.perf_counter(); "
    "LinearModel(); print(i - t, time.perf_counter() - i)"
)


def measure(items: list[dict[str, Any]]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds per text, screening the texts until MIN_TEXTS."""
    for item in items[:100]:
        screen(item["text"], author_role=item["author_role"], venue=item["venue"])
    wall: list[float] = []
    cpu: list[float] = []
    while len(wall) < MIN_TEXTS:
        for item in items:
            begin, begin_cpu = time.perf_counter(), time.thread_time()
            screen(item["text"], author_role=item["author_role"], venue=item["venue"])
            cpu.append(time.thread_time() - begin_cpu)
            wall.append(time.perf_counter() - begin)
    return wall, cpu


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def load_seconds() -> tuple[float, float]:
    """(import of the pipeline, loading model.npz) in a fresh interpreter; medians of three."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        [float(v) for v in subprocess.run(
            [sys.executable, "-c", LOAD_PROBE], capture_output=True, text=True, check=True,
            cwd=ROOT, env=env).stdout.split()]
        for _ in range(3)
    ]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def long_text_ms(items: list[dict[str, Any]], size: int = 5000) -> float:
    """Milliseconds to screen one article-sized text made of corpus sentences."""
    text = ""
    for item in items:
        if len(text) >= size:
            break
        text += item["text"] + "\n"
    begin = time.perf_counter()
    screen(text[:size], author_role="clinician", venue="education")
    return (time.perf_counter() - begin) * 1000


def main() -> int:
    items = load()
    assert load_model() is not None, "no model file"
    rounds = sorted((measure(items) for _ in range(ROUNDS)),
                    key=lambda r: percentile(r[1], 0.99))
    wall, cpu = rounds[len(rounds) // 2]
    p99_cpu = percentile(cpu, 0.99)
    importing, loading = load_seconds()
    load_average = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    mean_chars = statistics.mean(len(i["text"]) for i in items)
    wall_ms = " / ".join(f"{v * 1000:.3f}" for v in (
        percentile(wall, 0.5), percentile(wall, 0.99), max(wall)))
    budgets = [
        (f"p99 CPU time per text {p99_cpu * 1000:.3f} ms, budget {P99_BUDGET * 1000:.0f} ms",
         p99_cpu <= P99_BUDGET),
        (f"model load (model.npz to a ready model) {loading:.2f} s, budget {LOAD_BUDGET:.0f} s",
         loading <= LOAD_BUDGET),
    ]
    report = f"""# Screening benchmark

- date: {dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
- machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}
- load average during the run (1, 5, 15 min): {load_average}
- model: {MODEL_PATH.name}, {MODEL_PATH.stat().st_size:,} bytes
- texts: the {len(items)} training texts (mean {mean_chars:.0f} characters), screened until {len(wall)}

## Speed (one process, one thread; the round with the median p99 of {ROUNDS})

| measure | value |
|---|---|
| p50 / p99 / max wall-clock time per text | {wall_ms} ms |
| p50 / p99 CPU time per text | {percentile(cpu, 0.5) * 1000:.3f} / {p99_cpu * 1000:.3f} ms |
| one 5,000-character article | {long_text_ms(items):.1f} ms |
| importing the pipeline in a fresh process (rules and model code; median of 3) | {importing:.2f} s |
| model load, model.npz to a ready model, fresh process (median of 3) | {loading:.2f} s |

## Budgets

""" + "\n".join(f"- {line}: {'met' if met else 'MISSED'}" for line, met in budgets) + "\n"
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(report, encoding="utf-8")
    print(report)
    return 0 if all(met for _, met in budgets) else 1


if __name__ == "__main__":
    sys.exit(main())
