"""Independent work on all cores: a process pool for the stages whose items do not depend on each other
(glyphs to trace, inputs of a batch).

Processes, not threads: the tracer is Python code that holds the GIL. Workers are forked where the platform
allows (Linux), so they start in milliseconds with everything the parent has already imported; elsewhere
they are spawned. Results come back in the items' order, whatever order the workers finish in.

>>> parallel_map(abs, [-1, 2, -3], jobs=2)
[1, 2, 3]
"""
from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, List, Optional, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, which containers and `taskset` narrow)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def resolve_jobs(jobs: Optional[int]) -> int:
    """--jobs: None or 0 means all available cores."""
    return available_cores() if not jobs else max(1, int(jobs))


def _worker_init() -> None:
    # Ctrl-C and SIGTERM are the parent's to handle (it removes the unfinished output): a worker ignores
    # Ctrl-C, which the terminal sends to the whole process group, and dies plainly on SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def process_pool(processes: int):
    """A multiprocessing pool of worker processes that leave Ctrl-C and SIGTERM to this one (whose
    `terminate()` stops them at once: for long items, where waiting for them to finish is not an option)."""
    return _context().Pool(processes, initializer=_worker_init)


def _run_chunk(fn: Callable, chunk: Sequence) -> list:
    return [fn(item) for item in chunk]


def parallel_map(fn: Callable[[T], R], items: Sequence[T], jobs: int = 1,
                 progress: Optional[Callable[[int], None]] = None, min_items_per_job: int = 4) -> List[R]:
    """[fn(item) for item in items], on up to `jobs` processes; `progress(k)` as k more are done.

    Items go out in chunks (a few per worker, so that a slow chunk does not leave the others idle at the
    end). Fewer items than `min_items_per_job` per worker, or one job, run here in this process: a pool
    costs more than it saves on a handful of glyphs. `fn` and the items must pickle (a module-level function).
    """
    jobs = min(int(jobs), len(items) // max(1, min_items_per_job))
    if jobs <= 1:
        out = []
        for item in items:
            out.append(fn(item))
            if progress:
                progress(1)
        return out
    size = max(1, len(items) // (jobs * 4))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    results: List[Optional[list]] = [None] * len(chunks)
    with ProcessPoolExecutor(max_workers=jobs, mp_context=_context(), initializer=_worker_init) as pool:
        futures = {pool.submit(_run_chunk, fn, chunk): k for k, chunk in enumerate(chunks)}
        try:
            for future in as_completed(futures):
                k = futures[future]
                results[k] = future.result()
                if progress:
                    progress(len(chunks[k]))
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    return [r for chunk in results for r in chunk]
