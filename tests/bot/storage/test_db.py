"""Telling a database that cannot be reached from other errors, and waiting for one at start."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from bot.storage.db import Database, is_unavailable
from tests.bot.channels.conftest import free_port


def test_refused_dropped_and_locked_connections_are_unavailability() -> None:
    assert is_unavailable(ConnectionRefusedError(111, "Connect call failed"))
    assert is_unavailable(TimeoutError())
    assert is_unavailable(OperationalError("SELECT 1", {}, Exception("database is locked")))


def test_a_wrong_query_or_a_broken_constraint_is_not() -> None:
    assert not is_unavailable(IntegrityError("INSERT", {}, Exception("duplicate key")))
    assert not is_unavailable(ProgrammingError("SELEC", {}, Exception("syntax error")))
    assert not is_unavailable(ValueError("bad input"))


async def test_waiting_for_a_database_that_never_comes_gives_up_with_its_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    database = Database(f"postgresql+asyncpg://careerbot@127.0.0.1:{free_port()}/nowhere")
    try:
        with pytest.raises(OSError, match="Connect call failed"):
            await database.upgrade(wait_seconds=0.6)
    finally:
        await database.dispose()
    waits = [r.getMessage() for r in caplog.records if "cannot be reached" in r.getMessage()]
    assert len(waits) >= 2  # it tried again, with backoff, before giving up
