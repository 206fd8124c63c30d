"""Per-user flood control: a user who sends too much too fast is asked to slow down once and
their extra messages are dropped, while everyone else is served as usual.

Updates are counted the moment they arrive, not when their turn comes: a user whose queue
is long (slow replies, a burst) is limited by what they sent, and no user has more than
``max_queued`` updates waiting or in work at once."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from enum import StrEnum


class Verdict(StrEnum):
    PASS = "pass"
    WARN = "warn"  # the first message over the limit: answer it with "please slow down"
    DROP = "drop"


class FloodGuard:
    """At most ``limit`` updates per user in any ``window`` seconds, and at most
    ``max_queued`` (default: ``limit``) of theirs waiting or in work at once."""

    def __init__(
        self, *, limit: int, window: float, max_queued: int | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.limit = limit
        self.window = window
        self.max_queued = max_queued or limit
        self.clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}
        self._queued: dict[int, int] = {}

    def arrive(self, user_id: int) -> Verdict:
        """Count an update as it arrives. A ``PASS`` is queued until ``leave`` is called."""
        now = self.clock()
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        if len(seen) < self.limit and self._queued.get(user_id, 0) < self.max_queued:
            seen.append(now)
            self._queued[user_id] = self._queued.get(user_id, 0) + 1
            self._forget_quiet_users(now)
            return Verdict.PASS
        if now - self._warned.get(user_id, -self.window) >= self.window:
            self._warned[user_id] = now
            return Verdict.WARN
        return Verdict.DROP

    def leave(self, user_id: int) -> None:
        """An update that passed is done (handled or failed)."""
        left = self._queued.get(user_id, 0) - 1
        if left > 0:
            self._queued[user_id] = left
        else:
            self._queued.pop(user_id, None)

    def _forget_quiet_users(self, now: float) -> None:
        # Bounded memory: drop users whose last message left the window, now and then.
        if len(self._seen) > 10_000:
            for user_id in [
                u for u, s in self._seen.items() if not s or now - s[-1] >= self.window
            ]:
                del self._seen[user_id]
                self._warned.pop(user_id, None)
