"""Start-up problems end in one line naming the setting, never a traceback: a token Telegram
rejects (exit code 2, and the token appears nowhere, not even in the log), a database path
that cannot be created or written (exit code 2), Telegram out of reach (exit code 1, for the
service manager to try again)."""

from __future__ import annotations

import asyncio
import sys

import pytest

from tests.bot.channels.conftest import free_port
from tests.fakes.bot_api import FakeBotApi

WRONG = "987654321:AAwrong-token-that-telegram-rejects_x"
COMMANDS = {
    "run, polling": (["run"], {}),
    "run, webhook": (["run"], {"WEBHOOK_URL": "http://127.0.0.1/telegram",
                               "WEBHOOK_SECRET": "s3cret", "WEBHOOK_LISTEN": "127.0.0.1"}),
    "nudges run-once": (["nudges", "run-once"], {}),
}  # fmt: skip


@pytest.mark.parametrize("command", COMMANDS)
async def test_a_rejected_token_is_one_line_and_exit_code_2(
    fake: FakeBotApi, bot_env: dict[str, str], command: str
) -> None:
    arguments, settings = COMMANDS[command]
    env = {**bot_env, **settings, "TELEGRAM_BOT_TOKEN": WRONG, "LOG_LEVEL": "DEBUG"}
    if "WEBHOOK_URL" in settings:
        env["WEBHOOK_PORT"] = str(free_port())
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *arguments, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    output = (stdout + stderr).decode(errors="replace")
    assert process.returncode == 2, output
    assert "TELEGRAM_BOT_TOKEN" in stderr.decode().strip().splitlines()[-1]
    assert "Traceback" not in output
    assert WRONG not in output
    assert WRONG.split(":")[1] not in output


async def run(env: dict[str, str], *arguments: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *arguments, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(errors="replace"), stderr.decode(errors="replace")


@pytest.mark.parametrize("arguments", [["run"], ["db", "upgrade"], ["nudges", "run-once"]])
async def test_a_database_path_that_cannot_be_created_is_one_line_and_exit_code_2(
    fake: FakeBotApi, bot_env: dict[str, str], arguments: list[str]
) -> None:
    env = {**bot_env, "DATABASE_URL": "sqlite+aiosqlite:////proc/no-such-folder/careerbot.db",
           "DATABASE_WAIT_SECONDS": "30"}  # fmt: skip
    code, stdout, stderr = await run(env, *arguments)
    assert code == 2, stdout + stderr
    assert stderr.strip().splitlines()[-1].startswith("careerbot: DATABASE_URL cannot be used")
    assert "Traceback" not in stdout + stderr


async def test_telegram_out_of_reach_at_start_is_one_line_and_exit_code_1(
    bot_env: dict[str, str],
) -> None:
    env = {**bot_env, "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{free_port()}/bot"}
    code, stdout, stderr = await run(env, "run")
    assert code == 1, stdout + stderr
    assert "careerbot: Telegram cannot be reached" in stderr.strip().splitlines()[-1]
    assert "Traceback" not in stdout + stderr
    assert env["TELEGRAM_BOT_TOKEN"] not in stdout + stderr
