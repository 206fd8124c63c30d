"""The /progress chart. The skill decides what it shows (a ``ProgressChart``, small and
JSON-ready, kept in the outbox like any reply); the picture is drawn after the reply's
transaction has committed, in a drawing process of its own, so a user with many goals holds
neither the event loop, nor the database, nor (as a thread would) the interpreter's lock
while matplotlib works. The process starts with the first chart (or ``warm_up``) and
imports only this module and matplotlib.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.conversation.messages import Reply

log = logging.getLogger(__name__)

MAX_ROWS = 20  # goals drawn; the text above the picture lists them all
LABEL_LENGTH = 30
_STATUS_CODES = {"not_yet": 1, "progress": 2, "done": 3}  # 0: no check-in that week
_pool: ProcessPoolExecutor | None = None


@dataclass(frozen=True, slots=True)
class ProgressChart:
    """One row per goal, one column per week, each cell that week's check-in."""

    labels: tuple[str, ...]
    weeks: tuple[str, ...]  # ISO weeks, "2026-W48"
    cells: tuple[tuple[int, ...], ...]  # codes: 0 none, 1 not yet, 2 progress, 3 done
    hidden: int = 0  # goals beyond MAX_ROWS, not drawn

    @classmethod
    def of(
        cls, labels: Sequence[str], weeks: Sequence[str], status: dict[tuple[int, str], str]
    ) -> ProgressChart:
        """The chart of goals (by row index) and their ``(row, week) -> status`` check-ins."""
        shown = list(labels)[:MAX_ROWS]
        cells = tuple(
            tuple(_STATUS_CODES.get(status.get((row, week), ""), 0) for week in weeks)
            for row in range(len(shown))
        )
        return cls(tuple(_short(label) for label in shown), tuple(weeks), cells,
                   hidden=len(labels) - len(shown))  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProgressChart:
        return cls(
            labels=tuple(data["labels"]), weeks=tuple(data["weeks"]),
            cells=tuple(tuple(row) for row in data["cells"]), hidden=data.get("hidden", 0),
        )  # fmt: skip


def draw(chart: ProgressChart) -> bytes:
    """The chart as a PNG. Labels are drawn as plain text (never as mathtext: a goal with
    ``$`` signs is just text), through matplotlib's object API, which keeps no global state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 1.2 + 0.45 * len(chart.cells)), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    colours = ListedColormap(["#e8e8e8", "#f4b860", "#5bbf73", "#3d7dd8"])
    axes.imshow(chart.cells, cmap=colours, vmin=0, vmax=3, aspect="auto")
    axes.set_xticks(range(len(chart.weeks)), [week.split("-")[1] for week in chart.weeks])
    axes.set_yticks(range(len(chart.labels)), list(chart.labels), usetex=False)
    for label in axes.get_yticklabels():
        label.set_parse_math(False)
    title = "Weekly check-ins: green progress, orange not yet, blue done"
    if chart.hidden:
        title += f" (first {len(chart.labels)} goals)"
    axes.set_title(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _drawing() -> ProcessPoolExecutor:
    # One process: a flood of /progress queues there instead of taking every core. Spawned,
    # not forked: the bot's threads (the database's, the event loop's) stay behind.
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"),
            initializer=_follow_parent, initargs=(os.getpid(),),
        )  # fmt: skip
    return _pool


def _follow_parent(parent: int) -> None:
    """In the drawing process: end when the bot does, even when it was killed (SIGKILL gives
    it no chance to stop this process, which would otherwise idle on forever)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="follow-parent", daemon=True).start()


def warm_up() -> None:
    """Start the drawing process now, so the first /progress does not wait for it."""
    _drawing().submit(_ready)


def shut_down() -> None:
    """Stop the drawing process (it is started again if a chart is asked for later)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


async def render(chart: ProgressChart) -> bytes:
    """The chart drawn in the drawing process; a process that died is started again once."""
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(_drawing(), draw, chart)
    except BrokenProcessPool:
        log.warning("the chart-drawing process died; starting it again")
        shut_down()
        return await loop.run_in_executor(_drawing(), draw, chart)


async def drawn(replies: list[Reply]) -> list[Reply]:
    """The replies with every chart drawn into its picture."""
    if not any(reply.chart is not None for reply in replies):
        return replies
    done = []
    for reply in replies:
        if reply.chart is not None:
            reply = dataclasses.replace(reply, image=await render(reply.chart), chart=None)
        done.append(reply)
    return done


def _ready() -> None:
    from matplotlib.figure import Figure  # noqa: F401  (imported once, ahead of the first chart)


def _short(text: str) -> str:
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1] + "…"
