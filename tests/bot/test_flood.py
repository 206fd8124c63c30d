"""Per-user flood control."""

from __future__ import annotations

from bot.flood import FloodGuard, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_flooding_user_is_warned_once_then_dropped_until_the_window_passes() -> None:
    clock = Clock()
    guard = FloodGuard(limit=3, window=5.0, clock=clock)
    verdicts = [guard.check(1) for _ in range(6)]
    assert verdicts == [Verdict.PASS] * 3 + [Verdict.WARN] + [Verdict.DROP] * 2
    assert guard.check(2) is Verdict.PASS  # another user is not affected
    clock.now += 5.0
    assert guard.check(1) is Verdict.PASS


def test_a_steady_user_is_never_limited() -> None:
    clock = Clock()
    guard = FloodGuard(limit=3, window=5.0, clock=clock)
    for _ in range(50):
        assert guard.check(1) is Verdict.PASS
        clock.now += 2.0
