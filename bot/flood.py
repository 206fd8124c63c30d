"""Per-user flood control: a user who sends too much too fast is asked to slow down once and
their extra messages are dropped, while everyone else is served as usual."""

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
    """At most ``limit`` messages per user in any ``window`` seconds."""

    def __init__(
        self, *, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, user_id: int) -> Verdict:
        now = self.clock()
        seen = self._seen.setdefault(user_id, deque())
        while seen and now - seen[0] >= self.window:
            seen.popleft()
        if len(seen) < self.limit:
            seen.append(now)
            self._forget_quiet_users(now)
            return Verdict.PASS
        if now - self._warned.get(user_id, -self.window) >= self.window:
            self._warned[user_id] = now
            return Verdict.WARN
        return Verdict.DROP

    def _forget_quiet_users(self, now: float) -> None:
        # Bounded memory: drop users whose last message left the window, now and then.
        if len(self._seen) > 10_000:
            for user_id in [
                u for u, s in self._seen.items() if not s or now - s[-1] >= self.window
            ]:
                del self._seen[user_id]
                self._warned.pop(user_id, None)
