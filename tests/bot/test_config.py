"""Settings: defaults, environment, .env files, and validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import OFFICIAL_BOT_API, Settings


def test_defaults_run_locally_without_any_configuration() -> None:
    settings = Settings(_env_file=None)
    assert settings.telegram_bot_token is None
    assert settings.telegram_api_base_url == OFFICIAL_BOT_API
    assert settings.database_url.startswith("sqlite+aiosqlite:///./data/")
    assert settings.default_timezone == "UTC"
    assert settings.nlu_model_dir == Path("models/nlu")


def test_environment_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:8081/bot")
    monkeypatch.setenv("DEFAULT_TIMEZONE", "Europe/Berlin")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = Settings(_env_file=None)
    assert settings.telegram_api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.default_timezone == "Europe/Berlin"
    assert settings.log_level == "DEBUG"


def test_a_dotenv_file_is_read_only_when_named(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("DEFAULT_TIMEZONE=Asia/Tokyo\n")
    assert Settings(_env_file=env_file).default_timezone == "Asia/Tokyo"
    assert Settings(_env_file=None).default_timezone == "UTC"


def test_the_token_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-token")
    settings = Settings(_env_file=None)
    assert "SECRET" not in repr(settings)
    assert "SECRET" not in str(settings.model_dump())
    assert settings.telegram_bot_token is not None
    assert settings.telegram_bot_token.get_secret_value() == "123456:SECRET-token"


@pytest.mark.parametrize(
    ("name", "value"),
    [("DEFAULT_TIMEZONE", "Mars/Olympus"), ("LOG_LEVEL", "LOUD"),
     ("NLU_CONFIDENCE_THRESHOLD", "1.5")],
)  # fmt: skip
def test_invalid_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.lower()):
        Settings(_env_file=None)


def test_env_example_lists_every_setting() -> None:
    example = (Path(__file__).parents[2] / ".env.example").read_text()
    names = {line.split("=", 1)[0] for line in example.splitlines() if "=" in line
             and not line.startswith("#")}  # fmt: skip
    assert names == {name.upper() for name in Settings.model_fields}
