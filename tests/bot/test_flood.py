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
    verdicts = [guard.arrive(1) for _ in range(6)]
    assert verdicts == [Verdict.PASS] * 3 + [Verdict.WARN] + [Verdict.DROP] * 2
    assert guard.arrive(2) is Verdict.PASS  # another user is not affected
    clock.now += 5.0
    for _ in range(3):
        guard.leave(1)  # the three that passed were handled
    assert guard.arrive(1) is Verdict.PASS


def test_a_steady_user_is_never_limited() -> None:
    clock = Clock()
    guard = FloodGuard(limit=3, window=5.0, clock=clock)
    for _ in range(50):
        assert guard.arrive(1) is Verdict.PASS
        guard.leave(1)
        clock.now += 2.0


def test_updates_are_counted_on_arrival_and_the_queue_is_bounded() -> None:
    clock = Clock()
    guard = FloodGuard(limit=10, window=5.0, max_queued=2, clock=clock)
    assert [guard.arrive(1) for _ in range(3)] == [Verdict.PASS, Verdict.PASS, Verdict.WARN]
    guard.leave(1)  # one of the two queued is done: room for one more
    assert guard.arrive(1) is Verdict.PASS
    assert guard.arrive(1) is Verdict.DROP  # warned once per window
    assert guard.arrive(2) is Verdict.PASS  # another user is not affected
    clock.now += 5.0
    guard.leave(1)
    guard.leave(1)
    assert guard.arrive(1) is Verdict.PASS
