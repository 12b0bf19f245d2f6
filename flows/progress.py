"""Progress of long steps in the terminal (stderr, so it never mixes with a command's output)."""
from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def report_progress(items: Iterable[T], label: str, total: int | None = None, every_seconds: float = 5.0,
                    on_update: Callable[[str], None] | None = None, stream=None) -> Iterator[T]:
    """Yield `items`, writing "label: done/total (pct), rate/s, ETA" at most every `every_seconds`
    and once at the end; `on_update` receives the same line (the run's row keeps it)."""
    stream = stream or sys.stderr
    start = last = time.monotonic()
    done = 0
    for item in items:
        yield item
        done += 1
        now = time.monotonic()
        if now - last >= every_seconds:
            last = now
            _write(progress_line(label, done, total, now - start), stream, on_update)
    if done:
        _write(progress_line(label, done, total, time.monotonic() - start) + " done", stream, on_update)


def progress_line(label: str, done: int, total: int | None, elapsed: float) -> str:
    rate = done / elapsed if elapsed > 0 else 0.0
    line = f"{label}: {done}" + (f"/{total} ({100 * done / total:.0f}%)" if total else "") + f", {rate:.1f}/s"
    if total and rate > 0 and done < total:
        line += f", about {_duration((total - done) / rate)} left"
    return line


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"


def _write(line: str, stream, on_update) -> None:
    stream.write(line + "\n")
    stream.flush()
    if on_update:
        on_update(line)
