"""Analysis that starts while the crawl is still running, so the two stages share the machine.

Collecting is bounded by per-domain politeness and the crawler's own processes, and leaves about a
core idle; analysing is CPU work. So the daily flow hands each newly stored article's id to an
:class:`AnalysisStream` (ids only: the workers read the texts from the database, so a crawl that runs
ahead of the analysis leaves a list of numbers waiting, not a day of article texts): once enough are waiting to pay for a worker's start (the model and firms
load in ~7 s), one worker process analyses them during the crawl, and the flow thread stores its
results between stored articles. When the crawl ends, :meth:`AnalysisStream.finish` adds workers up
to one per core for what is left, and stores the rest.

Only one worker runs during the crawl: the crawler and its extraction workers are alive then, and a
second model would take the run past its memory budget (bench/daily_volume.py). Each worker is a
one-process ``ProcessPoolExecutor`` of its own (a "lane"), so the number of processes is exactly
the number of lanes opened: one for the crawl, more in :meth:`finish`. Each lane holds up to two
chunks, so its worker never waits for the flow thread to send the next one.

Crash safety is the store's: a result is stored when it is saved, and whatever was stored but not
yet analysed when a run dies is "not analysed yet" for the next run.
"""
from __future__ import annotations

import multiprocessing
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from flows.analysis_workers import CHUNK, MIN_PER_WORKER, _analyze, _start, worker_count


LANE_DEPTH = 2     # chunks given to one worker at a time: the one it reads and the next


class AnalysisStream:
    def __init__(self, saver, max_workers: int | None = None, start_after: int = MIN_PER_WORKER):
        self.saver = saver                      # flows.steps.AnalysisSaver: settings, store and counts
        self.max_workers = max_workers
        self.start_after = start_after          # records waiting before the crawl's worker starts
        self.taken: set[int] = set()            # ids handed to the stream (analysed or about to be)
        self._waiting: deque[list[dict]] = deque()   # chunks not yet sent to a worker
        self._chunk: list[dict] = []
        self._in_flight: deque[Future] = deque()    # sent, in the order sent
        self._lanes: list[tuple[ProcessPoolExecutor, list[Future]]] = []   # one worker each, its chunks

    # -- during the crawl (the flow thread) ---------------------------------------------------
    def add(self, article_id: int) -> None:
        """A newly stored (committed) article; stores whatever results are ready."""
        self.taken.add(article_id)
        self._chunk.append(article_id)
        if len(self._chunk) == CHUNK:
            self._waiting.append(self._chunk)
            self._chunk = []
            if not self._lanes and len(self._waiting) * CHUNK >= self.start_after:
                self._open_lane()
        self._send()
        self._save_ready()

    # -- after the crawl ---------------------------------------------------------------------
    def finish(self, more: list[int], workers: int | None = None) -> None:
        """Analyse the articles ``more`` too, with up to one worker per core, and store every result."""
        self.taken.update(more)
        ids = self._chunk + list(more)
        self._chunk = []
        self._waiting.extend(ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK))
        left = sum(len(c) for c in self._waiting) + CHUNK * len(self._in_flight)
        if not self._lanes:
            # The crawl brought too little to start a worker: analyse as a plain run does.
            from flows.analysis_workers import analyze_in_workers
            from nlp.analyze import analyze_records
            from store.articles import articles_for_analysis

            ids = [i for chunk in self._waiting for i in chunk]
            self._waiting.clear()
            if not ids:
                return
            processes = worker_count(len(ids), workers or self.max_workers)
            s = self.saver
            analysed = (analyze_in_workers(ids, processes, s.db_path, s.companies_path, s.taxonomy_path)
                        if processes > 1 else analyze_records(s.pipeline(), articles_for_analysis(s.db, ids)))
            s.save_all(analysed, len(ids))
            return
        # The running worker needs no start: another one pays when it gets MIN_PER_WORKER records.
        while len(self._lanes) < worker_count(left + MIN_PER_WORKER, workers or self.max_workers):
            self._open_lane()
        self._send()
        self.saver.save_all(self._results(), left)

    def close(self) -> None:
        for pool, _ in self._lanes:
            pool.shutdown(wait=True, cancel_futures=True)
        self._lanes = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- inside ------------------------------------------------------------------------------
    def _open_lane(self) -> None:
        s = self.saver
        pool = ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_start,
            initargs=(str(s.db_path), str(s.companies_path), str(s.taxonomy_path) if s.taxonomy_path else None))
        self._lanes.append((pool, []))

    def _send(self) -> None:
        """Give waiting chunks to lanes with room. Called by the flow thread only (each stored article,
        each result waited for): two chunks per lane keep its worker busy between calls."""
        for pool, queued in self._lanes:
            queued[:] = [f for f in queued if not f.done()]
            while self._waiting and len(queued) < LANE_DEPTH:
                future = pool.submit(_analyze, self._waiting.popleft())
                queued.append(future)
                self._in_flight.append(future)

    def _save_ready(self) -> None:
        """Store the results that are ready, in the order sent (without waiting). A chunk that failed
        stays in flight: its error is raised by finish(), in the analysis stage, not in the crawl's."""
        ready = []
        while self._in_flight and self._in_flight[0].done() and self._in_flight[0].exception() is None:
            ready.extend(self._in_flight.popleft().result())
        if ready:
            self.saver.save_batch(ready)

    def _results(self):
        """Every remaining result, waiting for each chunk in the order sent."""
        while self._in_flight or self._waiting:
            self._send()
            future = self._in_flight.popleft()
            while not future.done():     # refill whichever lane finishes first meanwhile
                wait([f for _, queued in self._lanes for f in queued], return_when=FIRST_COMPLETED)
                self._send()
            yield from future.result()
