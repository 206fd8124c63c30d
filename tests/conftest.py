"""Shared fixtures: settings that never read a developer's .env, and the built NLU model."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from bot.config import Settings
from bot.conversation import Conversation
from bot.conversation.replies import load_replies
from bot.storage.db import Database
from knowledge import classifier
from knowledge.advisor import default_rules
from knowledge.retrieval import Retriever, default_retriever
from nlu.pipeline import Nlu
from nlu.train import is_current, train

# Relative dates ("next summer") in tests are read as if today were this day.
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

# CI runs Hypothesis derandomized (`--hypothesis-profile=ci` in .ci/run): the same examples on
# every run, so a red build is the code's fault and can be rerun; locally the default profile
# keeps exploring new examples.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)

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


# --- databases -------------------------------------------------------------------------------
# Storage tests run on SQLite and on PostgreSQL. TEST_POSTGRES_URL names a database the tests
# may wipe (default: the local server CI provides). Without a server the PostgreSQL cases skip,
# unless CAREERBOT_REQUIRE_POSTGRES=1 (set by .ci/run), where a missing server is a failure.
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


async def _reset_postgres(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or the wiped PostgreSQL test database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'careerbot.db'}"
    return await empty_postgres()


async def empty_postgres() -> str:
    """The PostgreSQL test database, wiped; skips (or fails, in CI) without a server."""
    try:
        await _reset_postgres(POSTGRES_URL)
    except (OSError, ConnectionError) as error:
        reason = f"PostgreSQL at {POSTGRES_URL} is not reachable ({error})"
        if os.environ.get("CAREERBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " but CAREERBOT_REQUIRE_POSTGRES=1")
        pytest.skip(reason + "; set TEST_POSTGRES_URL to run these tests")
    return POSTGRES_URL


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """A migrated database on each backend."""
    db = Database(database_url)
    await db.upgrade()
    yield db
    await db.dispose()


# --- the conversation core -------------------------------------------------------------------


@pytest.fixture
async def sqlite_database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'careerbot.db'}")
    await database.upgrade()
    yield database
    await database.dispose()


@pytest.fixture
def conversation(nlu: Nlu, retriever: Retriever, sqlite_database: Database) -> Conversation:
    return Conversation(nlu=nlu, retriever=retriever, rules=default_rules(),
                        database=sqlite_database, replies=load_replies())  # fmt: skip
