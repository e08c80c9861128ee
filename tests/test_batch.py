"""glyphseg batch and the work on all cores: the same glyphs as single extract runs (local pool and Ray), a
broken input failing alone, resuming, sidecar transcripts, input lists, and outlines that do not depend on
--jobs. Small pages (150–300 dpi, one or two words) keep it to seconds; the Ray test starts a local Ray."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from glyphseg.batch import BATCH_MANIFEST, collect_inputs, run_batch
from glyphseg.pipeline import ExtractOptions, extract
from glyphseg.types import GlyphsegError
from glyphseg.workers import in_background, parallel_map

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from conftest import font_path  # noqa: E402


def run_cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "glyphseg.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def glyph_entries(outdir):
    """What the glyphs are, without run-specific fields (timings, family)."""
    with open(os.path.join(outdir, "glyphs.json"), encoding="utf-8") as fh:
        doc = json.load(fh)
    return [{k: g[k] for k in ("id", "name", "char", "bbox", "advance", "origin") if k in g} for g in doc["glyphs"]]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Four small specimens (one with a sidecar transcript), a broken file, and a note that is not an input."""
    from glyphseg.specimen import render_specimen, save_png

    folder = tmp_path_factory.mktemp("specimens")
    pages = {"sans": ["Hamburg"], "serif": ["Quartz"], "slab": ["Fjord"], "mono": ["Vexing"]}
    for kind, lines in pages.items():
        save_png(render_specimen(font_path(kind), lines=lines, dpi=200), str(folder / f"{kind}.png"))
    (folder / "serif.txt").write_text("Quartz", encoding="utf-8")  # the sidecar transcript of serif.png
    (folder / "broken.png").write_bytes(b"this is not a PNG")
    return folder


@pytest.fixture(scope="module")
def first_batch(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch") / "out"
    t = time.perf_counter()
    r = run_cli("batch", str(inputs), "-o", str(out), "--segmenter", "threshold", "-j", "2")
    return out, r, time.perf_counter() - t


def test_batch_records_every_input_and_fails_the_broken_one_alone(first_batch, inputs):
    out, r, _ = first_batch
    assert r.returncode == 1, r.stderr  # one input failed
    assert "Traceback" not in r.stderr
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("glyphseg: batch: 4 ok, 1 failed, 0 skipped of 5"), r.stderr
    with open(out / BATCH_MANIFEST, encoding="utf-8") as fh:
        doc = json.load(fh)
    by_name = {e["output"]: e for e in doc["inputs"]}
    assert sorted(by_name) == ["broken", "mono", "sans", "serif", "slab"]  # serif.txt is a transcript, not an input
    assert by_name["broken"]["status"] == "failed" and "not a readable image" in by_name["broken"]["error"]
    for name in ("mono", "sans", "serif", "slab"):
        assert by_name[name]["status"] == "ok" and by_name[name]["glyphs"] >= 5 and by_name[name]["seconds"] > 0
        assert (out / name / ".glyphseg-output").is_file()
    assert not (out / "broken").exists()
    assert not [n for n in os.listdir(out) if n.startswith(".glyphseg-")]  # no temporary folder or lock left
    # the sidecar transcript labelled serif.png's glyphs
    assert [g["char"] for g in glyph_entries(out / "serif")] == list("Quartz")


def test_batch_gives_the_glyphs_of_single_extract_runs(first_batch, inputs, tmp_path):
    out, _, _ = first_batch
    for name, text in (("sans", None), ("serif", "Quartz")):
        single = tmp_path / name
        args = ["extract", str(inputs / f"{name}.png"), "-o", str(single), "--segmenter", "threshold", "-q"]
        r = run_cli(*args, *(["--text", text] if text else []))
        assert r.returncode == 0, r.stderr
        assert glyph_entries(out / name) == glyph_entries(single)


def test_second_run_skips_finished_inputs(first_batch, inputs):
    out, _, first_seconds = first_batch
    before = {n: os.stat(out / n / "glyphs.json").st_mtime_ns for n in ("mono", "sans", "serif", "slab")}
    t = time.perf_counter()
    r = run_cli("batch", str(inputs), "-o", str(out), "--segmenter", "threshold", "-j", "2", "-q")
    assert r.returncode == 1  # the broken one is tried again, and fails again
    with open(out / BATCH_MANIFEST, encoding="utf-8") as fh:
        statuses = {e["output"]: (e["status"], e["glyphs"]) for e in json.load(fh)["inputs"]}
    assert statuses["broken"][0] == "failed"
    for name in before:
        assert statuses[name][0] == "skipped" and statuses[name][1] >= 5
        assert os.stat(out / name / "glyphs.json").st_mtime_ns == before[name]
    assert time.perf_counter() - t < first_seconds


def test_force_redoes_finished_inputs(inputs, tmp_path):
    from glyphseg.batch import BatchInput

    item = [i for i in collect_inputs([str(inputs)]) if i.stem == "sans"]
    opt = ExtractOptions(segmenter="threshold", family="")
    assert [r.status for r in run_batch(item, str(tmp_path), opt)] == ["ok"]
    assert [r.status for r in run_batch(item, str(tmp_path), opt)] == ["skipped"]
    assert [r.status for r in run_batch(item, str(tmp_path), opt, force=True)] == ["ok"]
    assert isinstance(item[0], BatchInput)


def test_batch_on_ray_gives_the_same_glyphs(first_batch, inputs, tmp_path):
    pytest.importorskip("ray", reason="Ray is the [ray] extra, which setup.sh installs")
    out, _, _ = first_batch
    listing = tmp_path / "inputs.txt"  # a list file: paths relative to it, comments skipped
    rel = os.path.relpath(inputs, tmp_path)
    listing.write_text(f"# two of them\n{rel}/sans.png\n{rel}/serif.png\n", encoding="utf-8")
    ray_out = tmp_path / "ray-out"
    r = run_cli("batch", str(listing), "-o", str(ray_out), "--engine", "ray", "-j", "2", "--segmenter", "threshold")
    assert r.returncode == 0, r.stderr
    with open(ray_out / BATCH_MANIFEST, encoding="utf-8") as fh:
        doc = json.load(fh)
    assert doc["engine"] == "ray" and [e["status"] for e in doc["inputs"]] == ["ok", "ok"]
    for name in ("sans", "serif"):
        assert glyph_entries(ray_out / name) == glyph_entries(out / name)


def test_collect_inputs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for p in ("a/page.png", "b/page.png", "b/book.pdf", "b/.hidden.png", "b/readme.md"):
        (tmp_path / p).write_bytes(b"x")
    items = collect_inputs([str(tmp_path / "a"), str(tmp_path / "b"), str(tmp_path / "a" / "page.png")])
    assert [i.stem for i in items] == ["page", "book", "page-2"]  # a/page.png once; b/page.png renamed
    with pytest.raises(GlyphsegError, match="no such file"):
        collect_inputs([str(tmp_path / "missing.png")])
    (tmp_path / "empty-list.txt").write_text("# nothing yet\n")
    with pytest.raises(GlyphsegError, match="no PDF or image"):
        collect_inputs([str(tmp_path / "empty-list.txt")])


def test_batch_refuses_an_extract_output_as_its_folder(first_batch, tmp_path, inputs):
    out, _, _ = first_batch
    r = run_cli("batch", str(inputs / "sans.png"), "-o", str(out / "sans"))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "output of one extraction" in r.stderr


def test_sigterm_stops_the_batch_and_leaves_no_temporary_folders(tmp_path):
    """Killed mid-run: exit 143, nothing half-written in OUTROOT (finished inputs may stay)."""
    pdf = os.path.join(HERE, "..", "specimens", "dejavu-serif-specimen.pdf")
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(3):
        shutil.copy(pdf, folder / f"spec{k}.pdf")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "glyphseg.cli", "batch", str(folder), "-o", str(out), "-j", "2",
                             "--segmenter", "threshold", "-q"], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 60
        while time.time() < deadline and not (out.exists() and [n for n in os.listdir(out) if n.startswith(".glyphseg-")
                                                                 and "lock" not in n]):
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert [n for n in os.listdir(out) if n.startswith(".glyphseg-")] == []


def test_outlines_do_not_depend_on_jobs(tmp_path):
    from glyphseg.specimen import render_specimen, save_png

    page = tmp_path / "page.png"
    save_png(render_specimen(font_path("contrast"), lines=["Rag ages", "HOW 0123"], dpi=300), str(page))
    one = extract([str(page)], ExtractOptions(segmenter="threshold", jobs=1))
    two = extract([str(page)], ExtractOptions(segmenter="threshold", jobs=2))
    assert one.outlines.keys() == two.outlines.keys() and len(one.outlines) >= 10
    for gid, outline in one.outlines.items():
        assert outline.contours == two.outlines[gid].contours


def test_parallel_map_keeps_order_and_raises():
    assert parallel_map(np.sqrt, [float(k * k) for k in range(40)], jobs=2) == list(range(40))
    with pytest.raises(ZeroDivisionError):
        parallel_map(_reciprocal, [1, 2, 0, 4] * 5, jobs=2)


def _reciprocal(x):
    return 1 / x


def _blas_threads(_=None):
    from threadpoolctl import threadpool_info

    return sorted({pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"})


def test_one_job_is_one_core_and_a_batch_worker_is_one_core():
    """--jobs 1 holds OpenBLAS to one thread while it runs, and every batch worker runs with one: a thread
    per core beside a second worker only takes turns with it."""
    from glyphseg.workers import native_threads, process_pool

    np.ones((64, 64)) @ np.ones((64, 64))  # numpy's BLAS is loaded
    before = _blas_threads()
    with native_threads(1):
        assert _blas_threads() == [1]
    assert _blas_threads() == before
    with native_threads(2):
        assert _blas_threads() == before
    pool = process_pool(2)
    try:
        assert pool.map(_blas_threads, range(4)) == [[1]] * 4
    finally:
        pool.terminate()
        pool.join()


def _pid_and(x):
    return os.getpid(), x


def test_in_background_runs_in_another_process_and_returns_or_raises():
    pid, value = in_background(_pid_and, [1, 2], jobs=2).result()
    assert pid != os.getpid() and value == [1, 2]
    assert in_background(_pid_and, 5, jobs=1).result() == (os.getpid(), 5)  # one job: here, when asked
    with pytest.raises(ZeroDivisionError):
        in_background(_reciprocal, 0, jobs=2).result()
    with pytest.raises(SystemExit):  # the child died without a result: the call is made here instead
        in_background(_exit_here_only_in_parent, os.getpid(), jobs=2).result()


def _write_later(path):
    time.sleep(1.0)
    open(path, "w").close()


def test_in_background_is_stopped_when_its_caller_is_interrupted(tmp_path):
    late = tmp_path / "late.txt"
    with pytest.raises(KeyboardInterrupt):
        with in_background(_write_later, str(late), jobs=2):
            raise KeyboardInterrupt  # Ctrl-C or SIGTERM while it works: the caller cleans up, it must not write on
    time.sleep(1.5)
    assert not late.exists()


def _exit_here_only_in_parent(parent_pid):
    if os.getpid() != parent_pid:
        os._exit(3)
    raise SystemExit("ran in the parent")


def test_a_transcript_given_as_an_input_is_explained(tmp_path):
    listing = tmp_path / "alphabet.txt"
    listing.write_text("ABCDEFGHIJKLM\nNOPQRSTUVWXYZ\n", encoding="utf-8")
    with pytest.raises(GlyphsegError, match=r"line 1: ABCDEFGHIJKLM: no such file .*list of inputs"):
        collect_inputs([str(listing)])
