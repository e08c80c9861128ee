"""Independent work on all cores: a process pool for the stages whose items do not depend on each other
(glyphs to trace, inputs of a batch), and one call run beside the rest of the work (`in_background`: the
report's font compiles while its pictures are written).

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
from contextlib import contextmanager
from typing import Callable, Iterator, List, Optional, Sequence, TypeVar

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


@contextmanager
def native_threads(jobs: int) -> Iterator[None]:
    """While `jobs` is 1, hold OpenBLAS (under numpy and SciPy) to one thread: `--jobs 1` is one core. It
    otherwise starts a thread per core, which beside a second worker on the other core only takes turns
    with it and spins (8 pages on 2 cores, 3 alternated runs: 2 workers took 10.4–11.3 s with it, 9.9–10.1 s
    without; see benchmarks/THROUGHPUT.md). threadpoolctl, not environment variables: the library is loaded,
    and has read them, before a worker knows its share. OpenCV's pool is left as it is: in a forked child
    cv2.setNumThreads waits for ever for the parent's pool threads, which the fork did not copy."""
    if jobs != 1:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _worker_init() -> None:
    # Ctrl-C and SIGTERM are the parent's to handle (it removes the unfinished output): a worker ignores
    # Ctrl-C, which the terminal sends to the whole process group, and dies plainly on SIGTERM.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _one_core_worker_init() -> None:
    _worker_init()
    # A batch worker is one core's share of the work (native_threads), for as long as it lives. The tracing
    # workers of one input (parallel_map) are left as they are: held to one thread they traced a page
    # 0.08 s slower (4 alternated runs on two pages, 0.63-0.70 s -> 0.70-0.79 s), for no gain.
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def process_pool(processes: int):
    """A multiprocessing pool of worker processes, one core each (OpenBLAS held to one thread), that leave
    Ctrl-C and SIGTERM to this one (whose `terminate()` stops them at once: for long items, where waiting for
    them to finish is not an option)."""
    return _context().Pool(processes, initializer=_one_core_worker_init)


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


class Background:
    """One call's result, computed in a forked process while this one goes on (see `in_background`)."""

    def __init__(self, fn: Callable[..., R], args: tuple, fork: bool):
        self._fn, self._args = fn, args
        self._value: Optional[tuple] = None
        self._process = None
        context = _context()
        if fork and context.get_start_method() == "fork":
            # forked, not spawned: the arguments (a whole font) are inherited, not pickled; only the result
            # comes back through the pipe
            receive, send = context.Pipe(duplex=False)
            self._receive = receive
            self._process = context.Process(target=_background_main, args=(send, fn, args), daemon=True)
            self._process.start()
            send.close()

    def result(self):
        """The call's return value (waiting for it); an exception raised by the call is raised here. Where
        processes cannot be forked, or the process died without a result, the call runs here instead."""
        if self._value is None and self._process is not None:
            try:
                self._value = self._receive.recv()
            except EOFError:  # killed (out of memory?): the result is still owed, so compute it here
                self._value = None
            self._process.join()
            self._receive.close()
            self._process = None
        if self._value is None:
            self._value = (True, self._fn(*self._args))
        ok, value = self._value
        if not ok:
            raise value
        return value

    def cancel(self) -> None:
        """Stop the process if it still runs (this one is being interrupted: it must not write on meanwhile)."""
        if self._process is not None:
            self._process.terminate()
            self._process.join()
            self._receive.close()
            self._process = None

    def __enter__(self) -> "Background":
        return self

    def __exit__(self, *exc) -> None:
        self.cancel()


def _background_main(send, fn, args) -> None:
    _worker_init()
    try:
        value = (True, fn(*args))
    except BaseException as e:  # noqa: BLE001 - handed to the parent, which raises it
        value = (False, e)
    try:
        send.send(value)
    except Exception:  # noqa: BLE001 - an exception that does not pickle: its line does
        send.send((False, RuntimeError(f"{type(value[1]).__name__}: {value[1]}")))
    send.close()


def in_background(fn: Callable[..., R], *args, jobs: int = 1) -> Background:
    """`fn(*args)` in a forked process when `jobs` > 1 (else when `.result()` is asked, here); `.result()`
    returns its value. For one long call that does not depend on what this process does meanwhile. Used as a
    context manager, the process is stopped on leaving it (an exception, Ctrl-C or SIGTERM meanwhile), so that
    it writes nothing after its caller has cleaned up.

    >>> with in_background(pow, 2, 10, jobs=2) as power:
    ...     power.result()
    1024
    """
    return Background(fn, args, fork=jobs > 1)
