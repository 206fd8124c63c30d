"""End-to-end speed: the real ``careerbot run`` process against the fake Bot API.

Measures start-up to first reply, the round trip of one message at a time (update queued at
the fake until the bot's reply arrives there), sustained throughput with many users talking
at once, and the bot process's resident memory. Needs a source checkout with the ``dev``
extra: the fake Bot API lives in ``tests/fakes``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.bench import _percentile
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
STARTS = 5  # start-up is the median of this many fresh processes
TOKEN = "123456789:BENCH-token-for-the-fake-api"
# A realistic mix: knowledge questions, situations to judge, small talk.
MESSAGES = [
    "what is a promotion?", "can I grow without being promoted?", "hi", "thanks!",
    "I moved from sales to marketing at the same pay", "what is a lateral move?",
    "I was promoted to senior engineer at my company with a 10% raise",
    "how do i get ready for a promotion", "who decides if i get promoted",
    "I joined a competitor as head of sales, is that a promotion?",
]  # fmt: skip


def _memory_kib(pid: int) -> dict[str, int]:
    """Resident memory now and at its peak (VmRSS, VmHWM) from /proc."""
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            figures[name] = int(value.split()[0])
    return figures


async def _bench(
    settings: Settings, *, round_trips: int, users: int, per_user: int, max_rate: float
) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    from tests.fakes.bot_api import FakeBotApi

    async with FakeBotApi(TOKEN) as fake:
        with tempfile.TemporaryDirectory() as scratch:
            env = {key: value for key, value in os.environ.items()
                   if not key.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}  # fmt: skip
            env.update(
                TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=fake.base_url,
                DATABASE_URL=f"sqlite+aiosqlite:///{scratch}/bench.db",
                NLU_MODEL_DIR=str(settings.nlu_model_dir.resolve()),
                KB_MODEL_DIR=str(settings.kb_model_dir.resolve()), LOG_LEVEL="WARNING",
                # The fake has no flood limit: measure the bot, not Telegram's 30/s cap; and
                # one benchmark user sends hundreds of messages, which the bot's own per-user
                # flood control would rightly cut short.
                TELEGRAM_MAX_RATE=str(max_rate),
                FLOOD_LIMIT="1000000",
            )  # fmt: skip
            # Start-up is timed over several fresh processes: one start on this machine can
            # vary by a second. The last one stays up for the other figures.
            startups = []
            for attempt in range(STARTS):
                process, seconds = await _start(fake, env, scratch, chat=900 + attempt)
                startups.append(seconds)
                if attempt < STARTS - 1:
                    await _stop(process)
            try:
                report = await _measure(fake, process.pid, round_trips=round_trips,
                                        users=users, per_user=per_user)  # fmt: skip
                report["startup_to_first_reply_seconds"] = statistics.median(startups)
                report["startup_runs_seconds"] = startups
                report["memory_kib"] = _memory_kib(process.pid)
            finally:
                await _stop(process)
    return report


async def _start(
    fake: Any, env: dict[str, str], scratch: str, *, chat: int
) -> tuple[asyncio.subprocess.Process, float]:
    """Start ``careerbot run`` with a /start waiting for it: the process and the seconds from
    its start to the answer."""
    started = time.perf_counter()
    fake.user_sends(chat, "/start")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=scratch,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    await fake.wait_for_messages(chat, 1, timeout=120)
    return process, time.perf_counter() - started


async def _stop(process: asyncio.subprocess.Process) -> None:
    process.terminate()
    _, errors = await process.communicate()
    if process.returncode not in (0, -15):
        raise RuntimeError(f"the bot failed:\n{errors.decode(errors='replace')}")


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _measure(
    fake: Any, pid: int, *, round_trips: int, users: int, per_user: int
) -> dict[str, Any]:
    # One user, one message at a time: the latency a person feels.
    chat = 2
    for index in range(20):  # warm-up: first calls import and fill caches
        fake.user_sends(chat, MESSAGES[index % len(MESSAGES)])
        await fake.wait_for_messages(chat, index + 1, timeout=30)
    latencies = []
    for index in range(round_trips):
        count = fake.sent_count(chat)
        sent_at = time.perf_counter()
        fake.user_sends(chat, MESSAGES[index % len(MESSAGES)])
        await fake.wait_for_messages(chat, count + 1, timeout=30)
        latencies.append((time.perf_counter() - sent_at) * 1000)

    latencies.sort()

    # Many users at once, each sending its next message when the last one was answered.
    async def talk(user: int) -> None:
        for index in range(per_user):
            fake.user_sends(user, MESSAGES[(user + index) % len(MESSAGES)])
            await fake.wait_for_messages(user, index + 1, timeout=60)

    began, cpu_before = time.perf_counter(), _cpu_seconds(pid)
    await asyncio.gather(*(talk(1000 + user) for user in range(users)))
    elapsed = time.perf_counter() - began
    cpu = _cpu_seconds(pid) - cpu_before
    return {
        "round_trip_ms": {"p50": _percentile(latencies, 0.5), "p95": _percentile(latencies, 0.95),
                          "mean": statistics.fmean(latencies), "n": len(latencies)},
        "concurrent": {"users": users, "messages": users * per_user, "seconds": elapsed,
                       "messages_per_second": users * per_user / elapsed,
                       "bot_cpu_ms_per_message": cpu * 1000 / (users * per_user)},
    }  # fmt: skip


def run_e2e_bench(
    settings: Settings,
    *,
    round_trips: int = 300,
    users: int = 50,
    per_user: int = 20,
    max_rate: float = 10_000,
) -> dict[str, Any]:
    report = asyncio.run(_bench(settings, round_trips=round_trips, users=users,
                                per_user=per_user, max_rate=max_rate))  # fmt: skip
    report["telegram_max_rate"] = max_rate
    return report


def render_e2e(report: dict[str, Any]) -> str:
    trip, load, memory = report["round_trip_ms"], report["concurrent"], report["memory_kib"]
    rows = [
        ("start-up to first reply", f"{report['startup_to_first_reply_seconds']:.2f} s median "
                                    f"of {len(report['startup_runs_seconds'])} "
                                    f"({min(report['startup_runs_seconds']):.2f} to "
                                    f"{max(report['startup_runs_seconds']):.2f} s)"),
        ("round trip, p50 / p95", f"{trip['p50']:.1f} / {trip['p95']:.1f} ms "
                                  f"({trip['n']} messages, one at a time, SQLite)"),
        (f"throughput, {load['users']} users at once",
         f"{load['messages_per_second']:.0f} messages/s ({load['messages']} messages, "
         f"{load['bot_cpu_ms_per_message']:.1f} ms of bot CPU each)"),
        ("resident memory, now / peak", f"{memory['VmRSS'] / 1024:.0f} / "
                                        f"{memory['VmHWM'] / 1024:.0f} MB"),
    ]  # fmt: skip
    rows.append(("TELEGRAM_MAX_RATE", f"{report['telegram_max_rate']:g} requests/s"))
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)
