"""Nudge speed: the due-nudge query with a million scheduled users (SQLite and PostgreSQL),
and the dispatcher's send rate against the fake Bot API, throttled and unthrottled.

Needs a source checkout with the ``dev`` extra (the fake Bot API lives in ``tests/fakes``).
PostgreSQL figures use a scratch database created on the given server and dropped after.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from bot.bench_e2e import TOKEN
from bot.config import Settings

ROOT = Path(__file__).resolve().parents[1]
BASE = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # schedules spread over the week from here
WEEK_SECONDS = 7 * 24 * 3600
BATCH = 50_000


def _rows(users: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Users and their schedules, due times spread evenly over a week (deterministic)."""
    user_rows, schedule_rows = [], []
    for index in range(1, users + 1):
        due = BASE + timedelta(seconds=(index * 7919) % WEEK_SECONDS)
        user_rows.append((index, 10_000_000 + index, f"u{index}", BASE, BASE))
        schedule_rows.append((index, due.weekday(), due.strftime("%H:%M"), "UTC", due, BASE))
    return user_rows, schedule_rows


async def _fill_sqlite(connection: AsyncConnection, users: int) -> None:
    user_rows, schedule_rows = _rows(users)
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None

    def stamp(moment: datetime) -> str:  # how UtcDateTime stores a time in SQLite
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")

    for start in range(0, users, BATCH):
        await raw.executemany(
            "INSERT INTO users (id, telegram_id, name, created_at, last_seen_at, blocked) "
            "VALUES (?, ?, ?, ?, ?, 0)",
            [(i, t, n, stamp(c), stamp(s)) for i, t, n, c, s in user_rows[start : start + BATCH]],
        )
        await raw.executemany(
            "INSERT INTO nudge_schedules (user_id, weekday, local_time, timezone, active, "
            "next_due_at, updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
            [
                (u, w, t, z, stamp(d), stamp(c))
                for u, w, t, z, d, c in schedule_rows[start : start + BATCH]
            ],
        )
    await raw.commit()


async def _fill_postgres(connection: AsyncConnection, users: int) -> None:
    user_rows, schedule_rows = _rows(users)
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    await raw.copy_records_to_table(
        "users",
        records=[(*row, False) for row in user_rows],
        columns=["id", "telegram_id", "name", "created_at", "last_seen_at", "blocked"],
    )
    await raw.copy_records_to_table(
        "nudge_schedules",
        records=[(*row[:4], True, *row[4:]) for row in schedule_rows],
        columns=[
            "user_id",
            "weekday",
            "local_time",
            "timezone",
            "active",
            "next_due_at",
            "updated_at",
        ],
    )
    await connection.execute(text("ANALYZE"))


async def _due_query(url: str, users: int, *, postgres: bool) -> dict[str, Any]:
    from bot import nudges
    from bot.storage.db import Database
    from knowledge.base import load_knowledge

    database = Database(url)
    try:
        await database.upgrade()
        started = time.perf_counter()
        async with database.engine.begin() as connection:
            await (_fill_postgres if postgres else _fill_sqlite)(connection, users)
        filled = time.perf_counter() - started

        async def never(chat_id: int, reply: Any) -> Any:
            raise AssertionError("the benchmark sends nothing")

        dispatcher = nudges.Dispatcher(database, load_knowledge(), never)
        now = BASE + timedelta(minutes=10)  # about 0.1% of users due
        timings, found = [], 0
        for _ in range(30):
            began = time.perf_counter()
            found = len(await dispatcher._due(now))
            timings.append((time.perf_counter() - began) * 1000)
        plan = await _plan(database, dispatcher, now, postgres=postgres)
    finally:
        await database.dispose()
    return {
        "users": users,
        "due_rows_returned": found,
        "fill_seconds": filled,
        "query_ms_p50": statistics.median(timings),
        "query_ms_max": max(timings[5:]),
        "plan": plan,
    }


async def _plan(database: Any, dispatcher: Any, now: datetime, *, postgres: bool) -> list[str]:
    query = dispatcher._due_query(now)
    compiled = query.compile(database.engine.sync_engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
    async with database.engine.connect() as connection:
        rows = (await connection.execute(text(prefix + str(compiled)))).all()
    return [str(row[-1]) for row in rows]


async def _postgres_scratch(url: str) -> tuple[str, Any]:
    """A fresh database on the server at ``url``, and a coroutine function that drops it."""
    name = f"careerbot_bench_{os.getpid()}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        await connection.execute(text(f"CREATE DATABASE {name}"))

    async def drop() -> None:
        async with admin.connect() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        await admin.dispose()

    return make_url(url).set(database=name).render_as_string(hide_password=False), drop


async def _dispatch_rate(nudges_count: int, rate: float | None) -> dict[str, Any]:
    """Send ``nudges_count`` due nudges through the fake Bot API at ``rate`` (None: no
    throttle at all, neither the dispatcher's nor the Bot API rate limiter's)."""
    sys.path.insert(0, str(ROOT))
    from telegram.ext import AIORateLimiter, ExtBot

    from bot import nudges
    from bot.channels.http import AiohttpRequest
    from bot.channels.telegram import nudge_sender
    from bot.storage.db import Database
    from knowledge.base import load_knowledge
    from tests.fakes.bot_api import FakeBotApi

    with tempfile.TemporaryDirectory() as scratch:
        database = Database(f"sqlite+aiosqlite:///{scratch}/bench.db")
        await database.upgrade()
        async with database.engine.begin() as connection:
            await _fill_sqlite(connection, nudges_count)
        async with FakeBotApi(TOKEN) as fake:
            for user in range(1, nudges_count + 1):
                fake.add_user(10_000_000 + user)
            limiter = None if rate is None else AIORateLimiter(overall_max_rate=rate + 5)
            bot: ExtBot[Any] = ExtBot(
                TOKEN,
                base_url=fake.base_url,
                rate_limiter=limiter,
                request=AiohttpRequest(connection_pool_size=64),
            )
            async with bot:
                dispatcher = nudges.Dispatcher(
                    database, load_knowledge(), nudge_sender(bot), rate=rate or 1e9
                )
                began = time.perf_counter()
                report = await dispatcher.run_once(BASE + timedelta(days=8))
                elapsed = time.perf_counter() - began
        await database.dispose()
    return {
        "configured_rate": rate,
        "sent": report.sent,
        "failed": report.failed,
        "seconds": elapsed,
        "rate": report.sent / elapsed,
        "share_of_configured": None if rate is None else report.sent / elapsed / rate,
    }


async def _bench(
    settings: Settings, *, users: int, postgres_url: str | None, nudges_count: int, rate: float
) -> dict[str, Any]:
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        report["sqlite"] = await _due_query(
            f"sqlite+aiosqlite:///{scratch}/due.db", users, postgres=False
        )
    if postgres_url:
        url, drop = await _postgres_scratch(postgres_url)
        try:
            report["postgres"] = await _due_query(url, users, postgres=True)
        finally:
            await drop()
    report["throttled"] = await _dispatch_rate(nudges_count, rate)
    report["unthrottled"] = await _dispatch_rate(nudges_count, None)
    return report


def run_nudge_bench(
    settings: Settings, *, users: int, postgres_url: str | None, nudges_count: int, rate: float
) -> dict[str, Any]:
    return asyncio.run(
        _bench(
            settings, users=users, postgres_url=postgres_url, nudges_count=nudges_count, rate=rate
        )
    )


def render_nudge_bench(report: dict[str, Any]) -> str:
    lines = []
    for backend in ("sqlite", "postgres"):
        if backend not in report:
            continue
        due = report[backend]
        lines.append(
            f"due-nudge query, {backend}, {due['users']:,} scheduled users: "
            f"p50 {due['query_ms_p50']:.2f} ms, max {due['query_ms_max']:.2f} ms "
            f"({due['due_rows_returned']} rows; filled in {due['fill_seconds']:.0f} s)"
        )
        lines += [f"    plan: {step}" for step in due["plan"]]
    for name in ("throttled", "unthrottled"):
        run = report[name]
        share = (
            f", {run['share_of_configured']:.1%} of the configured {run['configured_rate']:g}/s"
            if run["configured_rate"]
            else " (no throttle)"
        )
        lines.append(
            f"dispatcher, {name}: {run['sent']:,} nudges in {run['seconds']:.1f} s = "
            f"{run['rate']:.1f}/s{share}; {run['failed']} failed"
        )
    return "\n".join(lines)
