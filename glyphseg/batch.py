"""Batch: many specimens, each extracted into its own folder, on all cores or on a Ray cluster.

`run_batch(inputs, outroot, options)` gives every input `OUTROOT/<input stem>/` — exactly what
`glyphseg extract INPUT -o OUTROOT/<stem>` writes — and records every input in `OUTROOT/batch.json`
(`ok`, `failed` with its error line, or `skipped`, with seconds and glyph count). One broken input never
stops the others. An input whose folder is already complete (written whole, with its marker) is skipped, so
a batch killed half-way resumes where it stopped; `force` redoes it.

The work splits as Ray's tasks and actors do: extracting an input is a stateless function (`run_input`)
that any worker process can run; a SAM2 model is state, loaded once per worker (`Sam2Worker`, an actor
under Ray; a per-process cache in the local pool) and then used for every input that worker gets.

Engines: `local` (the default, no Ray needed) runs inputs on a pool of processes on this machine; `ray`
runs them as Ray tasks (a local Ray, or the cluster at `ray_address`), each worker writing its own output
folder, so OUTROOT must be on a filesystem every node sees.
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from .types import GlyphsegError

INPUT_SUFFIXES = (".pdf", ".png", ".tif", ".tiff", ".jpg", ".jpeg")
LIST_SUFFIXES = (".txt", ".list")  # an INPUT with one of these names lists inputs, one path per line
BATCH_MANIFEST = "batch.json"
_BATCH_LOCK = ".glyphseg-batch.lock"


@dataclass(frozen=True)
class BatchInput:
    path: str  # absolute
    stem: str  # its output folder's name in OUTROOT (unique within the batch)
    text_file: Optional[str] = None  # the sidecar transcript `<stem>.txt` beside the input, if there is one


@dataclass
class BatchRecord:
    input: str
    output: str  # the folder's name in OUTROOT
    status: str  # ok | failed | skipped
    error: Optional[str] = None  # the one-line reason, when failed
    seconds: float = 0.0
    glyphs: Optional[int] = None


# ----------------------------------------------------------------------------------------------------------
# inputs


def _expand(arg: str) -> List[str]:
    if os.path.isdir(arg):
        found = []
        for root, dirs, files in os.walk(arg):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [os.path.join(root, f) for f in sorted(files)
                      if f.lower().endswith(INPUT_SUFFIXES) and not f.startswith(".")]
        return found
    if arg.lower().endswith(LIST_SUFFIXES):
        try:
            with open(arg, encoding="utf-8") as fh:
                lines = [ln.strip() for ln in fh]
        except (OSError, UnicodeDecodeError) as e:
            raise GlyphsegError(f"{arg}: cannot read the list of inputs ({e})") from None
        base = os.path.dirname(os.path.abspath(arg))
        out = []
        for number, ln in enumerate(lines, start=1):
            if ln and not ln.startswith("#"):
                path = os.path.join(base, os.path.expanduser(ln))
                if not os.path.exists(path):  # a transcript given as an input reads as a list of missing files
                    raise GlyphsegError(f"{arg}: line {number}: {ln[:60]}: no such file or folder (a .txt INPUT is a "
                                        "list of inputs, one path per line; a transcript goes beside its scan as "
                                        "<stem>.txt)")
                out += _expand(path)
        return out
    return [arg]


def collect_inputs(args: Sequence[str]) -> List[BatchInput]:
    """Files, folders (searched for PDFs and images, hidden names skipped) and list files → the batch's
    inputs, in order, duplicates dropped, each with a unique output name and its sidecar transcript.

    A path that does not exist is an error of the whole batch (a typo should not cost a night's run); an
    unreadable or damaged file is not: it fails alone when its turn comes.
    """
    paths: List[str] = []
    for arg in args:
        for p in _expand(arg):
            if not os.path.exists(p):
                raise GlyphsegError(f"{p}: no such file or folder")
            p = os.path.abspath(p)
            if p not in paths:
                paths.append(p)
    if not paths:
        raise GlyphsegError(f"no PDF or image found in {', '.join(args)} ({', '.join(INPUT_SUFFIXES)})")
    inputs, taken = [], set()
    for p in paths:
        base = os.path.splitext(os.path.basename(p))[0] or "input"
        stem, k = base, 2
        while stem.lower() in taken:  # a.png in two folders: a, a-2
            stem, k = f"{base}-{k}", k + 1
        taken.add(stem.lower())
        sidecar = os.path.splitext(p)[0] + ".txt"
        inputs.append(BatchInput(p, stem, sidecar if os.path.isfile(sidecar) else None))
    return inputs


def is_complete(outdir: str) -> bool:
    """An output folder written whole: outputs are renamed into place only when complete, with their marker."""
    from .export import read_output_marker

    return read_output_marker(outdir) is not None


def _glyph_count(outdir: str) -> Optional[int]:
    try:
        with open(os.path.join(outdir, "glyphs.json"), encoding="utf-8") as fh:
            return len(json.load(fh).get("glyphs", []))
    except (OSError, ValueError, AttributeError):
        return None


# ----------------------------------------------------------------------------------------------------------
# one input: stateless work (a Ray task), and a worker that holds a SAM2 model (a Ray actor)

_SEGMENTERS: Dict[tuple, object] = {}  # per process: a loaded SAM2, reused for every input this process gets


def _segmenter_for(options):
    """The segmenter `options` ask for, loaded once per process (None: the pipeline chooses, as extract does)."""
    if options.segmenter == "threshold":
        return None
    key = (options.segmenter, options.model, options.device, options.dtype)
    if key not in _SEGMENTERS:
        from .pipeline import Progress, make_segmenter

        _SEGMENTERS[key] = make_segmenter(options, Progress(quiet=True))
    return _SEGMENTERS[key]


def _uses_sam2(options) -> bool:
    if options.segmenter == "sam2":
        return True
    if options.segmenter != "auto":
        return False
    try:
        from . import sam2
    except ImportError:
        return False
    return sam2.checkpoint_available(options.model)


def run_input(item: BatchInput, outroot: str, options, force: bool = False, segmenter=None) -> BatchRecord:
    """Extract one input into OUTROOT/<stem>/ (the `glyphseg extract` contract, written whole or not at all).
    Never raises for a bad input: its error line is in the record. Ctrl-C and SIGTERM still stop it."""
    from . import ingest
    from .export import atomic_output_dir, export
    from .pipeline import extract
    from .workers import native_threads, resolve_jobs

    outdir = os.path.join(outroot, item.stem)
    t = time.perf_counter()
    try:
        text = ingest.read_transcript(item.text_file) if item.text_file else None
        opt = dataclasses.replace(options, text=text, family=options.family or _family_name(item.stem))
        protected = [item.path] + ([item.text_file] if item.text_file else [])
        with atomic_output_dir(outdir, force=force, inputs=protected) as tmp, native_threads(resolve_jobs(opt.jobs)):
            ex = extract([item.path], opt, segmenter=segmenter if segmenter is not None else _segmenter_for(opt))
            export(ex, outdir, into=tmp)
        return BatchRecord(item.path, item.stem, "ok", None, time.perf_counter() - t, len(ex.glyphs))
    except GlyphsegError as e:
        return BatchRecord(item.path, item.stem, "failed", str(e), time.perf_counter() - t)
    except Exception as e:  # noqa: BLE001 - one input's bug must not stop the batch; its line is recorded
        return BatchRecord(item.path, item.stem, "failed", f"unexpected {type(e).__name__}: {e}",
                           time.perf_counter() - t)


def _family_name(stem: str) -> str:
    """An input's stem as a family name: `caslon_1785-specimen` → `Caslon 1785 Specimen`."""
    words = "".join(c if c.isalnum() else " " for c in stem).split()
    return " ".join(w[:1].upper() + w[1:] for w in words) or "Specimen"


class Sam2Worker:
    """A worker that loads SAM2 once and extracts every input it is given with it (a Ray actor)."""

    def __init__(self, options):
        from .pipeline import Progress, make_segmenter

        self.options = options
        self.segmenter = make_segmenter(options, Progress(quiet=True))

    def run(self, item: BatchInput, outroot: str, force: bool = False) -> BatchRecord:
        return run_input(item, outroot, self.options, force, segmenter=self.segmenter)


# ----------------------------------------------------------------------------------------------------------
# the batch


class _BatchLock:
    """OUTROOT/.glyphseg-batch.lock (flock): one batch at a time writes an OUTROOT and its batch.json."""

    def __init__(self, outroot: str):
        self.path = os.path.join(outroot, _BATCH_LOCK)
        self.fh = None

    def __enter__(self):
        import fcntl

        self.fh = open(self.path, "w", encoding="utf-8")
        try:
            fcntl.flock(self.fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self.fh.close()
            raise GlyphsegError(f"{os.path.dirname(self.path)}: another glyphseg batch is writing this folder") from None
        return self

    def __exit__(self, *exc):
        try:
            os.unlink(self.path)
        except OSError:
            pass
        self.fh.close()


def _prepare_outroot(outroot: str) -> str:
    from .export import OUTPUT_MARKER

    path = os.path.abspath(outroot)
    if os.path.lexists(path) and not os.path.isdir(path):
        raise GlyphsegError(f"{path}: exists and is not a folder")
    if os.path.isfile(os.path.join(path, OUTPUT_MARKER)):
        raise GlyphsegError(f"{path}: is the output of one extraction; give the batch a folder of its own")
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        raise GlyphsegError(f"{path}: cannot create it ({e.strerror})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise GlyphsegError(f"{path}: cannot write there")
    return path


def write_batch_manifest(outroot: str, records: Iterable[BatchRecord], info: dict) -> str:
    """OUTROOT/batch.json, replaced atomically (a reader never sees half of it)."""
    import tempfile

    from .export import current_umask

    records = list(records)
    counts = {s: sum(1 for r in records if r.status == s) for s in ("ok", "failed", "skipped")}
    doc = {**info, "counts": counts, "inputs": [dataclasses.asdict(r) for r in records]}
    for entry in doc["inputs"]:
        entry["seconds"] = round(entry["seconds"], 3)
    fd, tmp = tempfile.mkstemp(prefix=".glyphseg-batch-", suffix=".json", dir=outroot)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1, ensure_ascii=False)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, os.path.join(outroot, BATCH_MANIFEST))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return os.path.join(outroot, BATCH_MANIFEST)


def run_batch(inputs: Sequence[BatchInput], outroot: str, options, jobs: Optional[int] = None,
              engine: str = "local", ray_address: Optional[str] = None, force: bool = False,
              on_done: Optional[Callable[[BatchRecord], None]] = None) -> List[BatchRecord]:
    """Extract every input into OUTROOT/<stem>/ and write OUTROOT/batch.json; records in the inputs' order.

    `options` (pipeline.ExtractOptions) apply to every input; an input's sidecar transcript is its text, and
    its family name is its stem's unless `options.family` names one. `jobs`: inputs extracted at once (None:
    all cores here; under Ray, the cluster's CPUs). `on_done(record)` is called as each input ends.
    """
    from .workers import resolve_jobs

    if engine not in ("local", "ray"):
        raise GlyphsegError(f"--engine {engine}: use local or ray")
    outroot = _prepare_outroot(outroot)
    started = time.perf_counter()
    with _BatchLock(outroot):
        records: Dict[str, BatchRecord] = {}
        todo = []
        earlier = _earlier_seconds(outroot)
        for item in inputs:
            outdir = os.path.join(outroot, item.stem)
            if not force and is_complete(outdir):
                # (a skipped input keeps the seconds of the run that made its output)
                records[item.stem] = BatchRecord(item.path, item.stem, "skipped", None, earlier.get(item.stem, 0.0),
                                                 _glyph_count(outdir))
                if on_done:
                    on_done(records[item.stem])
            else:
                todo.append(item)
        info = {"outroot": outroot, "engine": engine, "jobs": jobs}
        ordered = lambda: [records[i.stem] for i in inputs if i.stem in records]  # noqa: E731

        def done(record: BatchRecord) -> None:
            records[record.output] = record
            write_batch_manifest(outroot, ordered(), info)  # after each input: a killed batch still says what it did
            if on_done:
                on_done(record)

        if todo:
            if engine == "ray":
                info["jobs"] = _run_on_ray(todo, outroot, options, jobs, ray_address, force, done)
            else:
                info["jobs"] = _run_locally(todo, outroot, options, resolve_jobs(jobs), force, done)
        info["seconds"] = round(time.perf_counter() - started, 3)
        write_batch_manifest(outroot, ordered(), info)
        return ordered()


def _earlier_seconds(outroot: str) -> Dict[str, float]:
    """Seconds per output folder in an earlier batch.json of this OUTROOT (none when there is none or it is
    unreadable)."""
    try:
        with open(os.path.join(outroot, BATCH_MANIFEST), encoding="utf-8") as fh:
            return {e["output"]: float(e["seconds"]) for e in json.load(fh)["inputs"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _run_input_args(args) -> BatchRecord:
    return run_input(*args)


def _run_locally(todo: List[BatchInput], outroot: str, options, jobs: int, force: bool,
                 done: Callable[[BatchRecord], None]) -> int:
    """Inputs on a pool of `jobs` processes, one input per process at a time (its glyphs traced serially);
    a single input runs here with its glyphs on all `jobs` cores instead."""
    from .export import clean_up_after_killed_runs
    from .workers import process_pool

    workers = min(jobs, len(todo))
    if workers <= 1:
        for item in todo:
            done(run_input(item, outroot, dataclasses.replace(options, jobs=jobs), force))
        return jobs
    inner = dataclasses.replace(options, jobs=1)
    pool = process_pool(workers)
    try:
        for record in pool.imap_unordered(_run_input_args, [(item, outroot, inner, force) for item in todo]):
            done(record)
        pool.close()
    except BaseException:
        # Ctrl-C or SIGTERM: stop the workers now (a specimen can take minutes) and remove what they had
        # begun to write; finished inputs stay, and the next run resumes after them.
        pool.terminate()
        pool.join()
        clean_up_after_killed_runs(os.path.join(outroot, item.stem) for item in todo)
        raise
    pool.join()
    return workers


def _run_on_ray(todo: List[BatchInput], outroot: str, options, jobs: Optional[int], ray_address: Optional[str],
                force: bool, done: Callable[[BatchRecord], None]) -> int:
    """Inputs as Ray tasks (threshold segmenter) or on one Sam2Worker actor per worker (SAM2)."""
    import shutil
    import tempfile

    try:
        import ray
    except ImportError:
        raise GlyphsegError("--engine ray needs Ray: pip install 'glyphseg[ray]' (or use --engine local)") from None
    own = not ray.is_initialized()
    temp_dir = None
    if own:
        kwargs = dict(include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        if ray_address:
            kwargs["address"] = ray_address
        else:
            # a local Ray of our own: its session files in a temporary folder removed afterwards
            temp_dir = tempfile.mkdtemp(prefix="glyphseg-ray-")
            kwargs.update(num_cpus=jobs or None, _temp_dir=temp_dir, object_store_memory=200 * 2 ** 20)
        try:
            ray.init(**kwargs)
        except Exception as e:  # noqa: BLE001 - a cluster that cannot be reached: one line
            if temp_dir:
                shutil.rmtree(temp_dir, ignore_errors=True)
            raise GlyphsegError(f"--engine ray: cannot start or reach Ray ({type(e).__name__}: "
                                f"{str(e).splitlines()[0] if str(e) else ''})") from None
    try:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        workers = max(1, min(jobs or cpus, cpus, len(todo)))
        inner = dataclasses.replace(options, jobs=1)
        if _uses_sam2(options):
            actor = ray.remote(num_cpus=1)(Sam2Worker)
            pool = ray.util.ActorPool([actor.remote(inner) for _ in range(workers)])
            for item in todo:
                pool.submit(lambda a, it: a.run.remote(it, outroot, force), item)
            while pool.has_next():
                done(pool.get_next_unordered())
        else:
            task = ray.remote(num_cpus=1, max_retries=0)(run_input)
            refs = {task.remote(item, outroot, inner, force): item for item in todo}
            while refs:
                ready, _ = ray.wait(list(refs), num_returns=1)
                item = refs.pop(ready[0])
                try:
                    record = ray.get(ready[0])
                except Exception as e:  # noqa: BLE001 - a worker that died (out of memory, killed): that input fails
                    record = BatchRecord(item.path, item.stem, "failed", f"Ray worker failed: {type(e).__name__}")
                done(record)
        return workers
    finally:
        if own:
            ray.shutdown()
            if temp_dir:
                shutil.rmtree(temp_dir, ignore_errors=True)


def summary_line(records: Sequence[BatchRecord], outroot: str) -> str:
    counts = {s: sum(1 for r in records if r.status == s) for s in ("ok", "failed", "skipped")}
    return (f"batch: {counts['ok']} ok, {counts['failed']} failed, {counts['skipped']} skipped of {len(records)} "
            f"→ {os.path.join(outroot, BATCH_MANIFEST)}")


def progress_printer(total: int, quiet: bool = False):
    """on_done for the CLI: a bar over inputs with an ETA on a terminal; in a log, one line per input."""
    from tqdm import tqdm

    interactive = sys.stderr.isatty() and not quiet
    bar = tqdm(total=total, desc="batch", unit="input", disable=not interactive, file=sys.stderr, dynamic_ncols=True)
    count = [0]

    def on_done(record: BatchRecord) -> None:
        count[0] += 1
        bar.update(1)
        if quiet:
            return
        what = record.status if record.status != "failed" else f"failed: {record.error}"
        glyphs = f", {record.glyphs} glyphs" if record.glyphs is not None else ""
        line = f"glyphseg: [{count[0]}/{total}] {record.output}: {what}{glyphs} ({record.seconds:.1f} s)"
        bar.write(line, file=sys.stderr) if interactive else print(line, file=sys.stderr)

    on_done.close = bar.close
    return on_done
