"""Shared fixtures: settings that never read a developer's .env, and the built NLU model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import Settings
from knowledge import classifier
from knowledge.retrieval import Retriever, default_retriever
from nlu.pipeline import Nlu
from nlu.train import is_current, train

# Relative dates ("next summer") in tests are read as if today were this day.
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

_SETTING_NAMES = [name.upper() for name in Settings.model_fields]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see none of the developer's careerbot environment variables."""
    for name in _SETTING_NAMES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def model_dir() -> Path:
    """The NLU model, built first if it is missing or older than its data (as the CLI does)."""
    directory = Settings(_env_file=None).nlu_model_dir.resolve()
    if not is_current(directory):
        train(directory)
    return directory


@pytest.fixture(scope="session")
def nlu(model_dir: Path) -> Nlu:
    return Nlu.load(model_dir)


@pytest.fixture(scope="session")
def kb_model_dir() -> Path:
    """The knowledge classifier, built first if it is missing or out of date."""
    directory = Settings(_env_file=None).kb_model_dir.resolve()
    if not is_current(directory, classifier.fingerprint()):
        classifier.train(directory)
    return directory


@pytest.fixture(scope="session")
def retriever(kb_model_dir: Path) -> Retriever:
    """The retriever as the bot uses it: BM25 mixed with the entry classifier."""
    return default_retriever(kb_model_dir)
