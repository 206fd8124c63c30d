"""The one settings class, read from the environment and an optional ``.env`` file."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from bot.storage.db import Database

OFFICIAL_BOT_API = "https://api.telegram.org/bot"


def _known_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown IANA timezone {name!r}") from error
    return name


def _log_level(name: str) -> str:
    level = name.upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"unknown log level {name!r}")
    return level


def _secret_token(secret: SecretStr) -> SecretStr:
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret.get_secret_value()):
        raise ValueError("a webhook secret is 1-256 of A-Z a-z 0-9 _ -")
    return secret


class Settings(BaseSettings):
    """Everything an operator can set; each field is documented in README and .env.example."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    telegram_bot_token: SecretStr | None = Field(
        default=None, description="Token from @BotFather; without it the bot runs as console chat."
    )
    telegram_api_base_url: str = Field(
        default=OFFICIAL_BOT_API,
        description="Bot API base URL; point it at a local Bot API server or a test fake.",
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///./data/careerbot.db",
        description="SQLAlchemy async URL: SQLite by default, postgresql+asyncpg to scale out.",
    )
    database_pool_size: int = Field(
        default=5, ge=1, description="PostgreSQL connections kept open per process."
    )
    database_max_overflow: int = Field(
        default=5, ge=0, description="Extra PostgreSQL connections per process under load."
    )
    database_wait_seconds: float = Field(
        default=60.0,
        ge=0,
        description="At start, keep retrying a database that cannot be reached for this long.",
    )
    default_timezone: Annotated[str, AfterValidator(_known_timezone)] = Field(
        default="UTC", description="IANA timezone for users who have not told the bot theirs."
    )
    log_level: Annotated[str, AfterValidator(_log_level)] = Field(default="INFO")
    nlu_model_dir: Path = Field(
        default=Path("models/nlu"), description="Where `careerbot train` writes the pipeline."
    )
    kb_model_dir: Path = Field(
        default=Path("models/kb"),
        description="Where `careerbot train` writes the knowledge base's entry classifier.",
    )
    nlu_confidence_threshold: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Below this top score the NLU asks, not guesses."
    )
    nlu_ambiguity_margin: float = Field(
        default=0.15, ge=0.0, le=1.0, description="Top two intents closer than this are ambiguous."
    )
    telegram_max_rate: float = Field(
        default=30.0,
        gt=0,
        description="Bot API requests per second this process allows itself (Telegram's limit "
        "for free bots is about 30 messages/s; raise it only with paid broadcasts or a test fake).",
    )
    typing_indicator_delay_ms: int = Field(
        default=300,
        ge=0,
        description='Show "typing…" when a reply takes longer than this (0: always).',
    )
    nudge_rate: float = Field(
        default=25.0,
        gt=0,
        description="Nudges sent per second at most, per process (Telegram allows about 30).",
    )
    nudge_interval_seconds: float = Field(
        default=60.0, gt=0, description="How often each process looks for due nudges."
    )
    nudge_stale_claim_seconds: float = Field(
        default=300.0,
        gt=0,
        description="A nudge claimed but not reported sent after this is taken over by another "
        "run (the process that claimed it died).",
    )
    flood_limit: int = Field(
        default=10, ge=1, description="Messages one user may send in FLOOD_WINDOW_SECONDS."
    )
    flood_window_seconds: float = Field(
        default=5.0, gt=0, description="Beyond FLOOD_LIMIT in this window: slow down, drop."
    )
    admin_user_ids: list[int] = Field(
        default_factory=list,
        description="Telegram user ids allowed to use /stats, as a JSON list: [123, 456].",
    )
    dialogue_timeout_minutes: int = Field(
        default=360, ge=1, description="An unanswered follow-up question is dropped after this."
    )
    webhook_url: str | None = Field(
        default=None,
        description="Public HTTPS URL Telegram posts updates to; unset means long polling.",
    )
    webhook_secret: Annotated[SecretStr, AfterValidator(_secret_token)] | None = Field(
        default=None,
        description="Required with WEBHOOK_URL: Telegram sends it with every update.",
    )
    webhook_listen: str = Field(default="0.0.0.0", description="Webhook server address.")
    webhook_port: int = Field(default=8443, ge=1, le=65535, description="Webhook server port.")
    webhook_max_connections: int = Field(
        default=200, ge=1,
        description="Open connections the webhook server keeps; more get 503 and are closed.",
    )  # fmt: skip
    webhook_idle_timeout_seconds: float = Field(
        default=15.0, gt=0,
        description="A connection that sends no complete request headers this long after it "
        "opened or after its last answer is closed.",
    )  # fmt: skip
    webhook_body_timeout_seconds: float = Field(
        default=10.0, gt=0, description="A request body slower than this gets 408."
    )

    def database(self) -> Database:
        """The database these settings name, with their pool sizes (PostgreSQL only)."""
        from bot.storage.db import Database

        return Database(self.database_url, pool_size=self.database_pool_size,
                        max_overflow=self.database_max_overflow)  # fmt: skip

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError(
                "WEBHOOK_URL is set: set WEBHOOK_SECRET too (1-256 of A-Z a-z 0-9 _ -)"
            )
        return self
