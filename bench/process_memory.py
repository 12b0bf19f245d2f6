"""Peak resident memory of a process and all its descendants, sampled from /proc (Linux)."""
from __future__ import annotations

import os
import threading
from pathlib import Path


def tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and every descendant now, in MB."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total / 1024


class PeakTreeMemory:
    """Samples this process tree's resident memory every `interval` seconds while in the block."""

    def __init__(self, root: int | None = None, interval: float = 0.25):
        self.root, self.interval, self.peak_mb = root or os.getpid(), interval, 0.0
        self._stop = threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _sample(self):
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.root))
            self._stop.wait(self.interval)
