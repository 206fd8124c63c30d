"""One table of every measured figure against its target: `careerbot bench` with no part named.

It runs the three benchmarks (the NLU, ask and judge in one pinned process; the real bot end
to end through the fake Bot API; the nudge query and dispatcher) and renders a Markdown table,
the one the README shows, with the machine it ran on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Row:
    figure: str
    measured: str
    target: str
    met: bool | None  # None: shown for information, no target


def _at_most(value: float, limit: float) -> bool:
    return value <= limit


def _rows(nlu: dict[str, Any], e2e: dict[str, Any], nudges: dict[str, Any]) -> list[Row]:
    pipe, latency = nlu["pipe_messages_per_second"], nlu["latency_ms"]
    ask, judge = nlu["ask_latency_ms"], nlu["judge_latency_ms"]
    trip, load, memory = e2e["round_trip_ms"], e2e["concurrent"], e2e["memory_kib"]
    throttled, unthrottled = nudges["throttled"], nudges["unthrottled"]
    runs = e2e["startup_runs_seconds"]
    rows = [
        Row("NLU `nlp.pipe` throughput, one core",
            f"{pipe['median']:,.0f} messages/s (median of {nlu['repeats']}; best "
            f"{pipe['best']:,.0f})", "≥ 10,000 messages/s", pipe["median"] >= 10_000),
        Row("NLU one message incl. entities, p99", f"{latency['p99']:.2f} ms", "< 2 ms",
            latency["p99"] < 2),
        Row("NLU pipeline load", f"{nlu['load_seconds']:.2f} s", "< 1 s",
            nlu["load_seconds"] < 1),
        Row("`ask` p99", f"{ask['p99']:.2f} ms", "< 5 ms", ask["p99"] < 5),
        Row("`judge` incl. NLU, p99", f"{judge['p99']:.2f} ms", "< 5 ms", judge["p99"] < 5),
        Row("round trip through the fake Bot API, p50 / p95",
            f"{trip['p50']:.1f} / {trip['p95']:.1f} ms",
            "≤ 20 / ≤ 50 ms", _at_most(trip["p50"], 20) and _at_most(trip["p95"], 50)),
        Row(f"throughput, {load['users']} users at once",
            f"{load['messages_per_second']:.0f} messages/s "
            f"({load['bot_cpu_ms_per_message']:.1f} ms bot CPU each)",
            "≥ 200 messages/s", load["messages_per_second"] >= 200),
        Row("start-up to first reply", f"{e2e['startup_to_first_reply_seconds']:.2f} s (median "
            f"of {len(runs)}: {min(runs):.2f} to {max(runs):.2f} s)",
            "≤ 3 s", _at_most(e2e["startup_to_first_reply_seconds"], 3)),
        Row("resident memory, now / peak",
            f"{memory['VmRSS'] / 1024:.0f} / {memory['VmHWM'] / 1024:.0f} MB", "≤ 300 MB",
            _at_most(memory["VmHWM"] / 1024, 300)),
        Row(f"nudge dispatch at NUDGE_RATE={throttled['configured_rate']:g}",
            f"{throttled['rate']:.1f}/s ({throttled['share_of_configured']:.1%} of the rate, "
            f"{throttled['sent']:,} nudges)", "≥ 95% of the rate",
            throttled["share_of_configured"] >= 0.95),
        Row("nudge dispatch, no throttle", f"{unthrottled['rate']:.0f}/s", "shown", None),
    ]  # fmt: skip
    for backend, name in (("sqlite", "SQLite"), ("postgres", "PostgreSQL")):
        if due := nudges.get(backend):
            rows.append(Row(f"due-nudge query, {due['users']:,} users, {name}, p50 / max",
                            f"{due['query_ms_p50']:.1f} / {due['query_ms_max']:.1f} ms",
                            "< 20 ms", due["query_ms_max"] < 20))  # fmt: skip
    return rows


def render_report(nlu: dict[str, Any], e2e: dict[str, Any], nudges: dict[str, Any]) -> str:
    """The Markdown table, then the machine."""
    lines = ["| Figure | Measured | Target | Met |", "| --- | --- | --- | --- |"]
    for row in _rows(nlu, e2e, nudges):
        met = "—" if row.met is None else ("yes" if row.met else "**no**")
        lines.append(f"| {row.figure} | {row.measured} | {row.target} | {met} |")
    described = nlu["machine"]
    lines.append("")
    lines.append(f"Machine: {described['cpu']}, {described['cores_available']} cores "
                 f"(the NLU figures on 1), Python {described['python']}.")  # fmt: skip
    return "\n".join(lines)
