"""Logging never prints the bot token, in messages, arguments or tracebacks."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.logs import REDACTED, configure_logging

TOKEN = "987654:AAH-very-secret"


@pytest.fixture
def output(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Configure logging as the CLI does, into a buffer; restore the root logger after."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging(Settings(_env_file=None), stream)
    yield stream
    root.handlers[:] = handlers
    root.setLevel(level)


def test_token_in_message_and_arguments_is_redacted(output: io.StringIO) -> None:
    logging.getLogger("careerbot.test").warning("calling /bot%s/getMe", TOKEN)
    assert TOKEN not in output.getvalue()
    assert f"/bot{REDACTED}/getMe" in output.getvalue()


def test_token_in_a_traceback_is_redacted(output: io.StringIO) -> None:
    try:
        raise RuntimeError(f"bad url /bot{TOKEN}/sendMessage")
    except RuntimeError:
        logging.getLogger("careerbot.test").exception("request failed")
    assert TOKEN not in output.getvalue()
    assert "RuntimeError" in output.getvalue()
