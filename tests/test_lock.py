"""The lock file pins every dependency to a registry release, so a fresh clone installs."""

from __future__ import annotations

import re
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def test_every_locked_requirement_is_a_pinned_registry_release() -> None:
    lines = [line.strip() for line in LOCK.read_text().splitlines()]
    requirements = [line for line in lines if line and not line.startswith("#")]
    assert requirements
    unpinned = [line for line in requirements
                if not re.fullmatch(r"[A-Za-z0-9._\-\[\],]+==[A-Za-z0-9.+!\-]+", line)]  # fmt: skip
    assert not unpinned, f"not a plain 'name==version' pin (a local file or URL?): {unpinned}"
