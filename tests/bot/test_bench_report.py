"""The one benchmark table: every figure against its target, a miss said plainly."""

from __future__ import annotations

from typing import Any

from bot.bench_report import render_report

NLU: dict[str, Any] = {
    "pipe_messages_per_second": {"median": 8471.0, "best": 9634.0}, "repeats": 5,
    "latency_ms": {"p50": 0.32, "p95": 0.73, "p99": 1.2, "max": 3.0}, "load_seconds": 0.52,
    "ask_latency_ms": {"p50": 0.6, "p95": 1.2, "p99": 1.86},
    "judge_latency_ms": {"p50": 0.9, "p95": 1.8, "p99": 4.2},
    "machine": {"cpu": "Intel Xeon", "cores_available": 2, "python": "3.11.7"},
}  # fmt: skip
E2E: dict[str, Any] = {
    "round_trip_ms": {"p50": 18.7, "p95": 26.4},
    "concurrent": {"users": 50, "messages_per_second": 133.0, "bot_cpu_ms_per_message": 7.5},
    "startup_to_first_reply_seconds": 2.9, "startup_runs_seconds": [3.4, 2.9, 2.7, 2.9, 2.8],
    "memory_kib": {"VmRSS": 256_000, "VmHWM": 264_000},
}  # fmt: skip
DUE = {"users": 1_000_000, "query_ms_p50": 7.3, "query_ms_max": 8.0}
NUDGES: dict[str, Any] = {
    "sqlite": DUE,
    "throttled": {"configured_rate": 25.0, "rate": 25.05, "share_of_configured": 1.002,
                  "sent": 2500},
    "unthrottled": {"configured_rate": None, "rate": 82.0, "share_of_configured": None,
                    "sent": 2500},
}  # fmt: skip


def test_every_figure_is_a_row_with_its_target_and_whether_it_is_met() -> None:
    table = render_report(NLU, E2E, NUDGES).splitlines()
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table if line.startswith("| ")}
    assert "≥ 10,000 messages/s | **no** |" in rows["NLU `nlp.pipe` throughput, one core"]
    assert "8,471 messages/s" in rows["NLU `nlp.pipe` throughput, one core"]
    assert rows["NLU one message incl. entities, p99"].endswith("| 1.20 ms | < 2 ms | yes |")
    assert rows["throughput, 50 users at once"].endswith("| ≥ 200 messages/s | **no** |")
    assert rows["start-up to first reply"].endswith(
        "| 2.90 s (median of 5: 2.70 to 3.40 s) | ≤ 3 s | yes |"
    )
    assert "| 250 / 258 MB | ≤ 300 MB | yes |" in rows["resident memory, now / peak"]
    assert "100.2% of the rate" in rows["nudge dispatch at NUDGE_RATE=25"]
    assert rows["nudge dispatch, no throttle"].endswith("| shown | — |")
    assert "due-nudge query, 1,000,000 users, SQLite, p50 / max" in rows
    assert not any("PostgreSQL" in name for name in rows)  # not measured: no row
    assert table[-1] == "Machine: Intel Xeon, 2 cores (the NLU figures on 1), Python 3.11.7."


def test_the_postgresql_due_query_gets_its_row_when_measured() -> None:
    table = render_report(NLU, E2E, {**NUDGES, "postgres": {**DUE, "query_ms_max": 25.0}})
    row = "| due-nudge query, 1,000,000 users, PostgreSQL, p50 / max | 7.3 / 25.0 ms | < 20 ms |"
    assert f"{row} **no** |" in table
