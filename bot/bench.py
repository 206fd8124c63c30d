"""Speed: NLU throughput, per-message latency of the NLU, `ask` and `judge`, and load time.

Each figure is measured in a fresh Python process pinned to one CPU core with BLAS threads
set to one, over the project's own example messages (NLU train + dev, in a fixed shuffled
order) and the knowledge evaluation sets.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bot.config import Settings

REPEATS = 5
_ONE_CORE_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _pin_to_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _messages(count: int) -> list[str]:
    from nlu.dataset import DEV_PATH, TRAIN_PATH, load_examples

    texts = [e.text for path in (TRAIN_PATH, DEV_PATH) for e in load_examples(path)]
    random.Random(7).shuffle(texts)
    return [texts[i % len(texts)] for i in range(count)]


def _percentile(sorted_values: list[float], fraction: float) -> float:
    index = min(len(sorted_values) - 1, round(fraction * (len(sorted_values) - 1)))
    return sorted_values[index]


def measure(model_dir: Path, messages: int, kb_model_dir: Path) -> dict[str, Any]:
    """Run inside the benchmark process: load, throughput, then one-at-a-time latency."""
    _pin_to_one_core()
    started = time.perf_counter()
    from nlu.pipeline import Nlu

    imported = time.perf_counter()
    nlu = Nlu.load(model_dir)
    loaded = time.perf_counter()

    texts = _messages(messages)
    unique = len(set(texts))
    list(nlu.parse_many(texts[:500]))  # warm-up: first calls fill caches and import dateparser
    # This machine's speed varies from run to run (shared virtual cores), so each throughput
    # is measured REPEATS times and reported as the median and the best run.
    pipe_rates, parse_rates = [], []
    for _ in range(REPEATS):
        begin = time.perf_counter()
        for _ in nlu.nlp.pipe(texts, batch_size=256):
            pass
        pipe_rates.append(len(texts) / (time.perf_counter() - begin))
        begin = time.perf_counter()
        for _ in nlu.parse_many(texts):
            pass
        parse_rates.append(len(texts) / (time.perf_counter() - begin))

    latencies = []
    for text in texts[: min(len(texts), 5000)]:
        begin = time.perf_counter()
        result = nlu.parse(text)
        _ = [entity.value for entity in result.entities]
        latencies.append(time.perf_counter() - begin)
    latencies.sort()
    return {
        **_knowledge_latency(nlu, kb_model_dir),
        "messages": len(texts),
        "unique_messages": unique,
        "import_seconds": imported - started,
        "load_seconds": loaded - imported,
        "repeats": REPEATS,
        "pipe_messages_per_second": {
            "median": statistics.median(pipe_rates),
            "best": max(pipe_rates),
        },
        "parse_messages_per_second": {
            "median": statistics.median(parse_rates),
            "best": max(parse_rates),
        },
        "latency_ms": {
            "p50": 1000 * _percentile(latencies, 0.50),
            "p95": 1000 * _percentile(latencies, 0.95),
            "p99": 1000 * _percentile(latencies, 0.99),
            "max": 1000 * latencies[-1],
        },
    }


def _latency_ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {name: 1000 * _percentile(ordered, q)
            for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))}  # fmt: skip


def _knowledge_latency(nlu: Any, kb_model_dir: Path) -> dict[str, Any]:
    """Per-message latency of `ask` and of `judge` (NLU entities included), after load."""
    from knowledge.advisor import judge
    from knowledge.evaluate import QUESTIONS_PATH, SITUATIONS_PATH, read_rows
    from knowledge.retrieval import default_retriever

    started = time.perf_counter()
    retriever = default_retriever(kb_model_dir)
    knowledge_load = time.perf_counter() - started
    questions = [row["text"] for row in read_rows(QUESTIONS_PATH)]
    situations = [row["text"] for row in read_rows(SITUATIONS_PATH)]
    ask, verdict = [], []
    for _ in range(10):
        for question in questions:
            begin = time.perf_counter()
            retriever.ask(question)
            ask.append(time.perf_counter() - begin)
        for situation in situations:
            begin = time.perf_counter()
            judge(situation, nlu.parse(situation).entities)
            verdict.append(time.perf_counter() - begin)
    return {"knowledge_load_seconds": knowledge_load, "ask_latency_ms": _latency_ms(ask),
            "judge_latency_ms": _latency_ms(verdict)}  # fmt: skip


def run_bench(settings: Settings, *, messages: int) -> dict[str, Any]:
    """Measure in a fresh, single-core process and describe the machine."""
    code = (
        "import json, sys; from pathlib import Path; from bot.bench import measure; "
        "print(json.dumps(measure(Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))))"
    )
    output = subprocess.run(
        [sys.executable, "-c", code, str(settings.nlu_model_dir.resolve()), str(messages),
         str(settings.kb_model_dir.resolve())],
        check=True, capture_output=True, text=True, env={**os.environ, **_ONE_CORE_ENV},
    ).stdout  # fmt: skip
    report: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    report["machine"] = {
        "python": platform.python_version(),
        "cpu": _cpu_name(),
        "cores_available": os.cpu_count(),
        "cores_used": 1,
    }
    return report


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _rate(rates: dict[str, float], repeats: int) -> str:
    return f"{rates['median']:,.0f} messages/s median of {repeats} runs (best {rates['best']:,.0f})"


def _three(latency: dict[str, float]) -> str:
    return f"{latency['p50']:.2f} / {latency['p95']:.2f} / {latency['p99']:.2f} ms"


def render_bench(report: dict[str, Any]) -> str:
    """The report as a small table."""
    latency = report["latency_ms"]
    machine = report["machine"]
    rows = [
        ("messages (unique)", f"{report['messages']} ({report['unique_messages']})"),
        ("nlp.pipe throughput", _rate(report["pipe_messages_per_second"], report["repeats"])),
        ("parse_many throughput", _rate(report["parse_messages_per_second"], report["repeats"])
                                  + " (pipe + building results)"),
        ("one message, p50", f"{latency['p50']:.2f} ms"),
        ("one message, p95", f"{latency['p95']:.2f} ms"),
        ("one message, p99", f"{latency['p99']:.2f} ms"),
        ("one message, max", f"{latency['max']:.2f} ms"),
        ("pipeline load", f"{report['load_seconds']:.2f} s (+ {report['import_seconds']:.2f} s "
                          "importing spaCy)"),
        ("ask, p50 / p95 / p99", _three(report["ask_latency_ms"])),
        ("judge incl. NLU, p50 / p95 / p99", _three(report["judge_latency_ms"])),
        ("knowledge base load", f"{report['knowledge_load_seconds']:.2f} s"),
        ("machine", f"{machine['cpu']}, 1 of {machine['cores_available']} cores, "
                    f"Python {machine['python']}"),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
