"""What the README promises about stored data, checked on the files themselves: the SQLite
database is readable by its owner only, after /forget no byte of the user's words is left
in the database or its write-ahead log, and expired dialogue steps are swept."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.conversation import Conversation
from bot.storage import crud
from bot.storage.db import Database
from bot.storage.models import DialogueState
from tests.bot.conversation.conftest import Chat
from tests.conftest import NOW

SECRET = "Zyxwquorbank"


def files_of(database: Database) -> list[Path]:
    path = Path(str(database.url.database))
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists()]


async def test_the_database_and_its_log_are_readable_by_the_owner_only(ann: Chat) -> None:
    await ann.say("I want to learn SQL")
    files = files_of(ann.conversation.database)
    assert len(files) >= 2  # the database and its write-ahead log
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


async def test_after_forget_nothing_of_the_user_is_left_in_the_files(ann: Chat) -> None:
    await ann.say(f"I want to leave {SECRET} for a competitor by June")
    await ann.say("I got promoted to senior analyst at " + SECRET)
    assert any(SECRET.encode() in path.read_bytes() for path in files_of(ann.conversation.database))
    await ann.say("/forget")
    [done] = await ann.say("yes")
    assert done.kind == "forget_done"
    for path in files_of(ann.conversation.database):
        assert SECRET.encode() not in path.read_bytes(), path


async def test_expired_dialogue_steps_are_swept(conversation: Conversation, ann: Chat) -> None:
    await ann.say("bonjour zzkq")  # a "did you mean…?" keeps the message while it waits
    database = conversation.database
    async with database.session() as session:
        assert await session.scalar(select(func.count()).select_from(DialogueState)) == 1
        assert await crud.prune_states(session, now=NOW + timedelta(minutes=1)) == 0
        assert await crud.prune_states(session, now=NOW + conversation.state_ttl) == 1
        await session.commit()
        assert await session.scalar(select(func.count()).select_from(DialogueState)) == 0
