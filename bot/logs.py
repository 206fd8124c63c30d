"""Logging set-up: one format, the configured level, and secrets kept out of every record."""

from __future__ import annotations

import logging
from typing import TextIO

from bot.config import Settings

REDACTED = "[REDACTED]"


class RedactSecrets(logging.Filter):
    """Replace each secret in a record's rendered message with ``[REDACTED]``."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            message = message.replace(secret, REDACTED)
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, REDACTED)
        record.msg, record.args = message, None
        return True


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Log to ``stream`` (stderr) at ``LOG_LEVEL`` with the token and webhook secret redacted."""
    secrets = [settings.telegram_bot_token, settings.webhook_secret]
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactSecrets([s.get_secret_value() for s in secrets if s is not None]))
    handler.setLevel(settings.log_level)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    # httpx logs every request URL, and a Bot API URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # spaCy prints through its own handler; passing its records on would print them twice.
    logging.getLogger("spacy").propagate = False
    # bm25s logs every index build at DEBUG on its own logger.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    # Alembic announces each of its plugins at INFO on every start.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # These dump what they carry below WARNING: python-telegram-bot every update and API call
    # with its parameters and answer, aiosqlite and SQLAlchemy every statement with its bound
    # values. Users' messages are in all of them, so they never log below WARNING, at any
    # LOG_LEVEL.
    for name in ("telegram", "aiosqlite", "sqlalchemy.engine", "sqlalchemy.pool"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
