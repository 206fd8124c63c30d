"""Real ``careerbot run`` processes against the fake Bot API on 127.0.0.1."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.bot_api import FakeBotApi

TOKEN = "123456789:TEST-fake-token-for-e2e_tests"
ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class BotProcess:
    """One ``careerbot run`` subprocess; its log is kept for assertions and failures."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, fake: FakeBotApi, *, ready_calls: int) -> None:
        """Start and wait until the bot has set its command menu (it is then serving)."""
        with self.log_path.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=self.env, cwd=self.log_path.parent,
                stdout=log, stderr=log,
            )  # fmt: skip
        try:
            await fake.wait_for(
                lambda: fake.call_count("setMyCommands") >= ready_calls or None,
                timeout=120, what="the bot to start",
            )  # fmt: skip
        except TimeoutError as error:
            raise AssertionError(f"bot did not start:\n{self.log()}") from error

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(sig)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return self.process.returncode or 0

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


StartBot = Callable[..., Coroutine[Any, Any, BotProcess]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(TOKEN) as api:
        yield api


@pytest.fixture
def bot_env(
    fake: FakeBotApi, tmp_path: Path, model_dir: Path, kb_model_dir: Path
) -> dict[str, str]:
    """The environment of a ``careerbot`` process talking to the fake, with its own SQLite."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TELEGRAM_", "WEBHOOK_", "DATABASE_"))}  # fmt: skip
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=fake.base_url,
        DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'careerbot.db'}",
        NLU_MODEL_DIR=str(model_dir),
        KB_MODEL_DIR=str(kb_model_dir),
        LOG_LEVEL="DEBUG",
        PYTHONPATH=str(ROOT),
    )
    return env


@pytest.fixture
async def start_bot(
    fake: FakeBotApi, tmp_path: Path, bot_env: dict[str, str]
) -> AsyncIterator[StartBot]:
    """Start ``careerbot run`` processes sharing one SQLite database; all stopped at the end."""
    processes: list[BotProcess] = []

    async def start(**settings: str) -> BotProcess:
        bot = BotProcess({**bot_env, **settings}, tmp_path / f"bot-{len(processes)}.log")
        processes.append(bot)
        await bot.start(fake, ready_calls=len(processes))
        return bot

    yield start
    for bot in processes:
        await bot.stop()
