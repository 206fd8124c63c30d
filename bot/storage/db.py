"""The async database handle: engine, sessions and schema upgrades.

Nothing connects at import time; the composition root builds one ``Database`` from the
settings. SQLite is the default (one file under ``./data/``); ``postgresql+asyncpg`` URLs
scale out to several replicas sharing one database.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_delay,
    wait_exponential,
)

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration. A database already at it is not handed to Alembic at all: importing
# and running Alembic was a tenth of a second of every start. A test checks it is the head.
SCHEMA_HEAD = "0005"
# Any fixed number: replicas starting together take turns to upgrade the schema.
_MIGRATION_LOCK_ID = 0x6361_7265_6572


class DatabaseUnusable(Exception):
    """The database named by DATABASE_URL cannot be created, opened or written (a folder that
    cannot be made, a read-only disk or file): a setting to fix, not a moment to wait out."""


_UNUSABLE = ("unable to open database file", "readonly database", "disk i/o error")


def is_unavailable(error: BaseException) -> bool:
    """True for the errors of a database that cannot be reached, or not right now: refused or
    dropped connections, timeouts, a database starting up or locked. Trying again later may
    work; a wrong query or a broken constraint would not, and is not one of these."""
    if isinstance(error, DBAPIError):
        return (
            error.connection_invalidated
            or isinstance(error, OperationalError | InterfaceError)
            or _server_unavailable(error.orig)
        )
    return isinstance(error, OSError | TimeoutError)


# SQLSTATEs of a PostgreSQL server that is there but cannot take the work now: connection
# exceptions (08), operator intervention (57P: shutting down, restarting, "the database
# system is not accepting connections"), too many connections (53300).
_UNAVAILABLE_STATES = ("08", "57P", "53300")


def _server_unavailable(orig: BaseException | None) -> bool:
    """asyncpg's errors reach SQLAlchemy as a plain DBAPIError: read their SQLSTATE."""
    for cause in (orig, getattr(orig, "__cause__", None)):
        state = getattr(cause, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_UNAVAILABLE_STATES):
            return True
    return False


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration, built in code so no alembic.ini has to sit beside the app."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # deletes cascade, as on PostgreSQL
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA secure_delete=ON")  # deleted rows are overwritten, not left behind
    cursor.close()


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str | URL, *, pool_size: int = 5, max_overflow: int = 5) -> None:
        self.url = make_url(url)
        options: dict[str, Any] = {}
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:":
                _create_private(Path(database))
            # Each aiosqlite call is a round trip to its thread: no "SELECT 1" ping before
            # each use (a local file does not drop connections) and no ROLLBACK after each
            # commit (sessions always end in commit or their own rollback). One connection:
            # SQLite has a single writer, and several connections only wait on each other's
            # locks in SQLite's sleeping busy handler instead of queueing in the pool.
            options.update(
                connect_args={"timeout": 30}, pool_reset_on_return=None, pool_size=1, max_overflow=0
            )
        else:
            # A server that does not answer fails the connection after 10 s instead of
            # asyncpg's default 60, so a message waits at most that long to hear "try again".
            options.update(pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow,
                           connect_args={"timeout": 10})  # fmt: skip
        self.engine: AsyncEngine = create_async_engine(self.url, **options)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def session(self) -> AsyncSession:
        """A new session; use it as ``async with db.session() as session``."""
        return self._sessions()

    async def scrub(self) -> None:
        """After deleting a user: leave no copy of their rows in the database files. SQLite
        overwrites deleted rows (``secure_delete``); the write-ahead log, which still holds
        the pages as they were, is checkpointed into the database and truncated. PostgreSQL
        keeps dead rows until its autovacuum reclaims them."""
        if not self.is_sqlite:
            return
        async with self.engine.connect() as connection:
            await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    async def wait_until_reachable(self, seconds: float) -> None:
        """Connect, retrying with backoff for up to ``seconds`` while the database cannot be
        reached (it may be starting up, or failing over); then raise the last error."""
        retrying = AsyncRetrying(
            retry=retry_if_exception(lambda e: is_unavailable(e) and self._unusable(e) is None),
            stop=stop_after_delay(seconds),
            wait=wait_exponential(multiplier=0.25, max=5),
            before_sleep=_log_wait,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                async with self.engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))

    async def upgrade(self, revision: str = "head", *, wait_seconds: float = 0.0) -> None:
        """Create or upgrade the schema with the Alembic migrations, first waiting up to
        ``wait_seconds`` for the database to be reachable."""
        try:
            if wait_seconds:
                await self.wait_until_reachable(wait_seconds)
            if revision == "head" and await self._stored_revision() == SCHEMA_HEAD:
                return
            async with self.engine.begin() as connection:
                if not self.is_sqlite:
                    await connection.execute(
                        text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID}
                    )
                await connection.run_sync(_upgrade, revision)
        except OperationalError as error:
            unusable = self._unusable(error)
            if unusable is not None:
                raise unusable from None
            raise

    def _unusable(self, error: BaseException) -> DatabaseUnusable | None:
        """The SQLite errors no wait will mend (a read-only file or disk, a path that cannot
        be opened), as the error to report; None for any other."""
        if not self.is_sqlite or not isinstance(error, OperationalError):
            return None
        reason = str(error.orig or error).splitlines()[0]
        if any(words in reason.lower() for words in _UNUSABLE):
            return DatabaseUnusable(f"{self.url.database}: {reason}")
        return None

    async def _stored_revision(self) -> str | None:
        """The revision in ``alembic_version``, read without Alembic; None if there is none."""
        try:
            async with self.engine.connect() as connection:
                result = await connection.execute(text("SELECT version_num FROM alembic_version"))
                return result.scalar_one_or_none()
        except DBAPIError:  # no such table yet: a new database
            return None

    async def current_revision(self) -> str | None:
        """The schema's Alembic revision, or None for an empty database."""
        from alembic.runtime.migration import MigrationContext

        async with self.engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )

    async def dispose(self) -> None:
        await self.engine.dispose()


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600); SQLite gives its write-ahead
    log and shared-memory files the same permissions."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    except OSError as error:
        raise DatabaseUnusable(f"{path}: {error.strerror or error}") from None


def _log_wait(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    delay = state.next_action.sleep if state.next_action is not None else 0.0
    log.warning("the database cannot be reached (%s); trying again in %.1f s",
                type(error).__name__, delay)  # fmt: skip


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(connection), revision)
