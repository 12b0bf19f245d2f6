"""Peak resident memory of a process and all its descendants, sampled from /proc (Linux)."""
from __future__ import annotations

import os
import threading
from pathlib import Path


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_rss(root: int, cpu: dict[int, tuple[str, float]] | None = None) -> dict[int, tuple[str, float]]:
    """pid -> (command, resident MB) of `root` and every descendant now. With `cpu`, also put each
    one's CPU seconds so far there (pid -> (command, seconds))."""
    found, pending = {}, [(root, "")]
    while pending:
        pid, parent = pending.pop()
        try:
            rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                       if line.startswith("VmRSS:"))
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            name = _short(command)
            if parent == "crawler" and name == "worker (multiprocessing)":
                name = "crawler's extraction worker"
            found[pid] = (name, rss / 1024)
            if cpu is not None:
                # utime and stime: fields 14 and 15, counted after the ")" closing the command name
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                cpu[pid] = (found[pid][0], (int(fields[11]) + int(fields[12])) / CLOCK_TICKS)
            for task in Path(f"/proc/{pid}/task").iterdir():
                pending += [(int(c), name) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError, StopIteration):
            continue
    return found


def _short(command: str) -> str:
    for marker, name in (("spawn_main", "worker (multiprocessing)"), ("spiders.crawl", "crawler"),
                         ("uvicorn", "Prefect local API"), ("prefect.engine", "Prefect flow run")):
        if marker in command:
            return name
    return "flow: " + " ".join(command.split()[1:4])


class PeakTreeMemory:
    """Samples this process tree's resident memory every `interval` seconds while in the block;
    `peak_mb` is the largest total, `at_peak` the processes then."""

    def __init__(self, root: int | None = None, interval: float = 0.25):
        self.root, self.interval, self.peak_mb = root or os.getpid(), interval, 0.0
        self.at_peak: dict[int, tuple[str, float]] = {}
        self.cpu: dict[int, tuple[str, float]] = {}   # pid -> (command, CPU seconds when last seen)
        self._stop = threading.Event()

    def __enter__(self):
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def breakdown(self) -> str:
        return ", ".join(f"{name} {mb:.0f}" for name, mb in sorted(self.at_peak.values(), key=lambda v: -v[1]))

    def cpu_breakdown(self) -> str:
        """CPU seconds per kind of process (as last sampled: a process's last interval may be missed)."""
        per_kind: dict[str, float] = {}
        for name, seconds in self.cpu.values():
            per_kind[name] = per_kind.get(name, 0.0) + seconds
        return ", ".join(f"{name} {s:.0f}" for name, s in sorted(per_kind.items(), key=lambda v: -v[1]))

    def _sample(self):
        while not self._stop.is_set():
            now = tree_rss(self.root, self.cpu)
            total = sum(mb for _, mb in now.values())
            if total > self.peak_mb:
                self.peak_mb, self.at_peak = total, now
            self._stop.wait(self.interval)
