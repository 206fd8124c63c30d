"""Telling a database that cannot be reached from other errors, and waiting for one at start."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

from bot.storage.db import SCHEMA_HEAD, Database, alembic_config, is_unavailable
from tests.bot.channels.conftest import free_port


def test_refused_dropped_and_locked_connections_are_unavailability() -> None:
    assert is_unavailable(ConnectionRefusedError(111, "Connect call failed"))
    assert is_unavailable(TimeoutError())
    assert is_unavailable(OperationalError("SELECT 1", {}, Exception("database is locked")))


def test_a_server_not_accepting_connections_is_unavailability() -> None:
    # asyncpg's error, as SQLAlchemy hands it on: a plain DBAPIError around an adapter error.
    from asyncpg.exceptions import CannotConnectNowError, TooManyConnectionsError

    for cause in (CannotConnectNowError("the database system is not accepting connections"),
                  TooManyConnectionsError("sorry, too many clients already")):  # fmt: skip
        adapted = Exception(str(cause))
        adapted.__cause__ = cause
        assert is_unavailable(DBAPIError("SELECT 1", {}, adapted))


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


def test_the_schema_head_constant_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == SCHEMA_HEAD


async def test_a_database_at_the_head_is_left_alone_and_an_older_one_upgraded(
    database: Database,
) -> None:
    await database.upgrade()  # at the head already: no Alembic run
    assert await database.current_revision() == SCHEMA_HEAD
    async with database.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = '0003'"))
        # As before 0004: no retry columns, no outbox, no inbox, no button presses.
        await connection.execute(text("DROP TABLE inbox_updates"))
        await connection.execute(text("DROP TABLE button_presses"))
        await connection.execute(text("DROP INDEX ix_nudge_deliveries_retry_at"))
        for table, column in [("nudge_deliveries", "retry_at"), ("nudge_deliveries", "attempts"),
                              ("processed_updates", "replies")]:  # fmt: skip
            await connection.execute(text(f"ALTER TABLE {table} DROP COLUMN {column}"))
    await database.upgrade()
    assert await database.current_revision() == SCHEMA_HEAD
    async with database.engine.connect() as connection:
        await connection.execute(text("SELECT replies FROM processed_updates"))
        await connection.execute(text("SELECT attempts, retry_at FROM nudge_deliveries"))
        await connection.execute(text("SELECT update_id, payload FROM inbox_updates"))
