"""The migrations and the SQLModel tables describe the same schema: ``alembic check`` (the
documented way to look for a migration that is missing) finds nothing to do on a database
upgraded to the head, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from bot.storage.db import Database

ROOT = Path(__file__).resolve().parents[3]


async def test_alembic_check_finds_no_drift(database: Database) -> None:
    url = database.url.render_as_string(hide_password=False)
    await database.dispose()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "alembic", "-x", f"url={url}", "check", cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, output.decode()
    assert b"No new upgrade operations detected" in output
