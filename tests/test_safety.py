"""Safety of the command line: what --force may replace, output paths checked before any work, the lock, signals,
stale temporary folders, the folder's mode, reproducible fonts, and budgets on hostile input (ending in one line
and exit status 2, never a traceback).

Fast by design: the threshold segmenter, a one-word page, and cases that fail before any work.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from PIL import Image

from glyphseg.cli import main
from glyphseg.export import OUTPUT_MARKER, atomic_output_dir
from glyphseg.ingest import load_pages, parse_page_ranges
from glyphseg.types import GlyphsegError

HERE = os.path.dirname(os.path.abspath(__file__))
PDF = os.path.join(HERE, "..", "specimens", "dejavu-serif-specimen.pdf")
EPOCH = 1_700_000_000


def run_cli(*args, cwd=None, umask=None, env=None):
    """The real command in a subprocess (exit status, stderr as a user sees them)."""
    return subprocess.run([sys.executable, "-m", "glyphseg.cli", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120, env=env, preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)


def invoke(*args):
    """The command in-process (no interpreter start): (exit status, stderr)."""
    r = CliRunner().invoke(main, list(args))
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception  # escaped the CLI's handler: would be a traceback for a user
    return r.exit_code, r.stderr


def one_line_error(code, stderr, status=2):
    assert code == status, stderr
    assert "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("glyphseg: error: ")
    return lines[0]


def snapshot(folder):
    """Every file under `folder` with its bytes."""
    out = {}
    for root, _, files in os.walk(folder):
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, folder)] = fh.read()
    return out


@pytest.fixture(scope="module")
def page_png(tmp_path_factory):
    """A one-word page, 150 dpi: extracts in about a second."""
    sys.path.insert(0, HERE)
    from conftest import font_path
    from glyphseg.specimen import render_specimen, save_png

    path = tmp_path_factory.mktemp("page") / "hamburg.png"
    save_png(render_specimen(font_path("sans"), lines=["Hamburg"], dpi=150), str(path))
    return str(path)


@pytest.fixture(scope="module")
def made(tmp_path_factory, page_png):
    """One real extraction (umask 022, SOURCE_DATE_EPOCH set), reused by the tests that need an output folder."""
    out = tmp_path_factory.mktemp("made") / "out"
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(EPOCH))
    r = run_cli("extract", page_png, "-o", str(out), "--text", "Hamburg", "--segmenter", "threshold", "-q",
                umask=0o022, env=env)
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture
def workdir(tmp_path):
    """A folder holding an input and a neighbour file, as in the report that lost them."""
    shutil.copy(PDF, tmp_path / "spec.pdf")
    (tmp_path / "notes.txt").write_text("my notes")
    return tmp_path


# ---------------------------------------------------------------------------------------------------------
# what --force may replace: checked before any work


def test_force_never_replaces_the_current_folder(workdir):
    before = snapshot(workdir)
    t = time.perf_counter()
    r = run_cli("extract", "spec.pdf", "-o", ".", "--force", "--segmenter", "threshold", cwd=workdir)
    msg = one_line_error(r.returncode, r.stderr)
    assert "current folder" in msg and time.perf_counter() - t < 10
    assert snapshot(workdir) == before
    # nor a folder holding it
    r = run_cli("extract", "spec.pdf", "-o", "..", "--force", cwd=workdir)
    assert "holds the current folder" in one_line_error(r.returncode, r.stderr)
    assert snapshot(workdir) == before


def test_force_never_replaces_the_inputs_folder(workdir, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    before = snapshot(workdir)
    r = run_cli("extract", str(workdir / "spec.pdf"), "-o", str(workdir), "--force", cwd=elsewhere)
    assert "holds the input" in one_line_error(r.returncode, r.stderr)
    assert snapshot(workdir) == before
    r = run_cli("extract", str(workdir / "spec.pdf"), "-o", str(workdir / "spec.pdf"), "--force", cwd=elsewhere)
    assert "is the input" in one_line_error(r.returncode, r.stderr)
    assert snapshot(workdir) == before
    assert os.listdir(elsewhere) == []


def test_force_never_replaces_home_or_root(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    home = workdir / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    code, err = invoke("extract", "spec.pdf", "-o", str(home), "--force")
    assert "home folder" in one_line_error(code, err)
    code, err = invoke("extract", "spec.pdf", "-o", "/", "--force")
    assert "root folder" in one_line_error(code, err)


def test_force_never_replaces_a_foreign_folder(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    theirs = workdir / "theirs"
    theirs.mkdir()
    (theirs / "thesis.tex").write_text("years of work")
    before = snapshot(workdir)
    for force in (["--force"], []):
        code, err = invoke("extract", "spec.pdf", "-o", "theirs", *force)
        msg = one_line_error(code, err)
        assert "not a folder glyphseg wrote" in msg and "use --force" not in msg
    # an older glyphseg's output (a manifest, no marker) is not replaced either
    (theirs / "glyphs.json").write_text("{}")
    code, err = invoke("extract", "spec.pdf", "-o", "theirs", "--force")
    assert "no .glyphseg-output marker" in one_line_error(code, err)
    (theirs / "glyphs.json").unlink()
    assert snapshot(workdir) == before
    assert sorted(os.listdir(workdir)) == ["notes.txt", "spec.pdf", "theirs"]


def test_output_path_problems_are_found_before_any_work(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    for args, expected in ((["-o", "notes.txt"], "is a file"), (["-o", "notes.txt", "--force"], "is a file"),
                           (["-o", "notes.txt/out"], "notes.txt is a file"),
                           (["-o", ".glyphseg-mine"], "temporary folders")):
        t = time.perf_counter()
        code, err = invoke("extract", "spec.pdf", *args)  # at 600 dpi the work itself takes seconds
        assert expected in one_line_error(code, err)
        assert time.perf_counter() - t < 2
    link = workdir / "link"
    link.symlink_to(workdir)
    code, err = invoke("extract", "spec.pdf", "-o", "link", "--force")
    assert "current folder" in one_line_error(code, err) or "symbolic link" in err
    assert (workdir / "notes.txt").read_text() == "my notes"


def test_unwritable_parent(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    locked = workdir / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root writes anywhere: make the check see what a user would
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, mode, **k: os.fspath(p) != str(locked) and real_access(p, mode))
    code, err = invoke("extract", "spec.pdf", "-o", "locked/out")
    assert "permission denied" in one_line_error(code, err)
    assert os.listdir(locked) == []


# ---------------------------------------------------------------------------------------------------------
# a folder glyphseg wrote: marker, mode, replaced by --force


def test_output_has_marker_and_mode_from_umask(made):
    with open(made / OUTPUT_MARKER, encoding="utf-8") as fh:
        lines = fh.read().splitlines()
    assert len(lines) == 1
    marker = json.loads(lines[0])
    assert "glyphseg" in marker and "glyphs.json" in marker["entries"]
    assert (made / "glyphs.json").exists()
    assert (os.stat(made).st_mode & 0o777) == 0o755  # umask 022 (mkdtemp alone makes 0700)
    names = os.listdir(made.parent)
    assert names == ["out"], names  # no temporary folder, no lock file left
    assert not (made / ".glyphseg-owner").exists()


def test_force_replaces_a_glyphseg_folder(made, page_png, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(made, out)
    code, err = invoke("extract", page_png, "-o", str(out), "--text", "Hamburg", "--segmenter", "threshold", "-q")
    assert "already exists (use --force" in one_line_error(code, err)
    # a file of the user's inside it: refused, kept
    (out / "edits.txt").write_text("mine")
    code, err = invoke("extract", page_png, "-o", str(out), "--force", "--text", "Hamburg", "-q")
    assert "edits.txt" in one_line_error(code, err)
    (out / "edits.txt").unlink()
    old = os.umask(0o027)
    try:
        code, err = invoke("extract", page_png, "-o", str(out), "--force", "--text", "Hamburg", "--segmenter",
                           "threshold", "--family", "Other", "-q")
    finally:
        os.umask(old)
    assert code == 0, err
    assert (out / "Other-Regular.ufo").is_dir() and not (out / "Specimen-Regular.ufo").exists()
    assert (out / OUTPUT_MARKER).exists()
    assert (os.stat(out).st_mode & 0o777) == 0o750
    assert os.listdir(tmp_path) == ["out"]


def test_force_may_use_an_empty_folder(page_png, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    code, err = invoke("extract", page_png, "-o", str(out), "--text", "Hamburg", "-q")
    assert "already exists" in one_line_error(code, err)
    code, err = invoke("extract", page_png, "-o", str(out), "--force", "--text", "Hamburg", "--segmenter",
                       "threshold", "-q")
    assert code == 0, err
    assert (out / "glyphs.json").exists() and (out / OUTPUT_MARKER).exists()


def test_fonts_honour_source_date_epoch(made):
    """ufo2ft takes head.created from SOURCE_DATE_EPOCH, fontTools head.modified: the compiled font is
    byte-for-byte reproducible (durations in glyphs.json and report.html still vary from run to run)."""
    from fontTools.misc.timeTools import epoch_diff
    from fontTools.ttLib import TTFont

    fonts = [os.path.join(root, f) for root, _, files in os.walk(made) for f in files
             if f.endswith((".otf", ".woff2", ".woff", ".ttf"))]
    assert fonts, "the report compiled no font"
    head = TTFont(fonts[0])["head"]
    assert head.created == head.modified == EPOCH - epoch_diff


def test_reruns_are_byte_identical_under_source_date_epoch(made, page_png, tmp_path):
    """With SOURCE_DATE_EPOCH set, a re-run writes the same bytes everywhere (the report leaves durations out)
    except the timings in glyphs.json."""
    again = tmp_path / "again"
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(EPOCH))
    r = run_cli("extract", page_png, "-o", str(again), "--text", "Hamburg", "--segmenter", "threshold", "-q",
                umask=0o022, env=env)
    assert r.returncode == 0, r.stderr
    first, second = snapshot(made), snapshot(again)
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert differ == ["glyphs.json"], differ
    a, b = (json.loads(x["glyphs.json"]) for x in (first, second))
    a.pop("timings"), b.pop("timings")
    assert a == b


# ---------------------------------------------------------------------------------------------------------
# concurrent runs, signals, what killed runs leave


def test_concurrent_run_is_refused_and_sigterm_cleans_up(tmp_path):
    out = tmp_path / "out"
    # the bundled page four times on one core takes ~7 s (once, ~2 s: a loaded machine's two refused runs could
    # outlast it): long enough to meet it while it works
    first = subprocess.Popen([sys.executable, "-m", "glyphseg.cli", "extract", PDF, PDF, PDF, PDF, "-o", str(out),
                              "--segmenter", "threshold", "-q", "-j", "1"], stderr=subprocess.PIPE, text=True)
    try:
        lock = tmp_path / ".out.glyphseg-lock"
        deadline = time.time() + 30
        while not lock.exists() and first.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert lock.exists(), "the first run did not take the lock"
        r = run_cli("extract", PDF, "-o", str(out), "--segmenter", "threshold", "-q")
        assert "another glyphseg run" in one_line_error(r.returncode, r.stderr)
        r = run_cli("extract", PDF, "-o", str(out), "--force", "--segmenter", "threshold", "-q")
        assert "another glyphseg run" in one_line_error(r.returncode, r.stderr)
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    msg = one_line_error(first.returncode, err, status=128 + signal.SIGTERM)
    assert "terminated" in msg
    assert os.listdir(tmp_path) == []  # no output, temporary folder or lock file


def test_lock_held_in_process_refuses_a_second_writer(tmp_path, page_png):
    out = tmp_path / "out"
    with atomic_output_dir(str(out)) as tmp:
        code, err = invoke("extract", page_png, "-o", str(out), "--text", "Hamburg")
        assert "another glyphseg run" in one_line_error(code, err)
        open(os.path.join(tmp, "glyphs.json"), "w").close()
    assert (out / OUTPUT_MARKER).exists()


def test_folder_appearing_meanwhile_is_not_replaced(tmp_path):
    """The final rename refuses a target that appeared during the run (another program, not a glyphseg run)."""
    from glyphseg.export import _rename_noreplace

    out = tmp_path / "out"
    for theirs in ("notes.txt", None):
        with pytest.raises(GlyphsegError, match="already exists"):
            with atomic_output_dir(str(out)) as tmp:
                open(os.path.join(tmp, "glyphs.json"), "w").close()
                out.mkdir()
                if theirs:
                    (out / theirs).write_text("theirs")
        assert sorted(os.listdir(tmp_path)) == ["out"]
        assert os.listdir(out) == ([theirs] if theirs else [])
        shutil.rmtree(out)
    src = tmp_path / "src"
    src.mkdir()
    out.mkdir()
    with pytest.raises(FileExistsError):
        _rename_noreplace(str(src), str(out))  # even over an empty folder, which os.rename would replace
    assert src.is_dir() and out.is_dir()


def test_stale_temporary_folders_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()

    def temporary(name, pid):
        folder = tmp_path / name
        (folder / "svg").mkdir(parents=True)
        (folder / "svg" / "A.svg").write_text("<svg/>")
        if pid is not None:
            (folder / ".glyphseg-owner").write_text(json.dumps({"pid": pid, "host": socket.gethostname()}) + "\n")
        return folder

    stale = temporary(".glyphseg-deadbeef", dead.pid)
    live = temporary(".glyphseg-livelive", os.getpid())
    unowned = temporary(".glyphseg-unowned", None)
    killed_at_birth = tmp_path / ".glyphseg-killedat"  # SIGKILL between making the folder and its owner line
    killed_at_birth.mkdir()
    os.utime(killed_at_birth, (time.time() - 120, time.time() - 120))
    being_made = tmp_path / ".glyphseg-justnow0"
    being_made.mkdir()
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 100), 250).save(blank)
    code, err = invoke("extract", str(blank), "-o", str(tmp_path / "out"))
    assert "no glyphs" in one_line_error(code, err)
    assert not stale.exists() and not killed_at_birth.exists()
    assert live.exists() and unowned.exists() and being_made.exists()
    assert sorted(os.listdir(tmp_path)) == [".glyphseg-justnow0", ".glyphseg-livelive", ".glyphseg-unowned",
                                            "blank.png"]


# ---------------------------------------------------------------------------------------------------------
# budgets and damaged input


def test_pixel_budget_is_checked_before_decoding(tmp_path):
    big = tmp_path / "big.png"
    Image.new("1", (24000, 24000), 1).save(big)  # ~100 KB on disk, 576 Mpx
    assert big.stat().st_size < 1_000_000
    t = time.perf_counter()
    code, err = invoke("extract", str(big), "-o", str(tmp_path / "out"))
    msg = one_line_error(code, err)
    assert "pixel budget" in msg and "100 Mpx" in msg and "24000 × 24000" in msg
    assert time.perf_counter() - t < 2
    with pytest.raises(GlyphsegError, match="pixel budget of 1.0 Mpx"):
        load_pages([str(big)], max_pixels=1_000_000)
    assert os.listdir(tmp_path) == ["big.png"]


def test_pdf_pixel_budget_from_the_page_size(tmp_path):
    data = open(PDF, "rb").read()
    huge = tmp_path / "huge.pdf"
    huge.write_bytes(data.replace(b"/MediaBox [ 0 0 218.7701 225.6 ]", b"/MediaBox [ 0 0 14400 14400.0 ]"))
    t = time.perf_counter()
    code, err = invoke("extract", str(huge), "-o", str(tmp_path / "out"))
    assert "pixel budget" in one_line_error(code, err) and time.perf_counter() - t < 2
    with pytest.raises(GlyphsegError, match="lower --dpi"):
        load_pages([PDF], dpi=4800, max_pixels=100_000_000)


def test_the_budget_is_for_all_pages_together(tmp_path):
    """Memory grows with every page a run holds: the budget counts them all, and says how to select fewer."""
    pages = load_pages([PDF, PDF], dpi=72)
    one = pages[0].width * pages[0].height
    with pytest.raises(GlyphsegError, match="run's pixel budget .*--pages"):
        load_pages([PDF, PDF], dpi=72, max_pixels=int(1.5 * one))
    assert len(load_pages([PDF, PDF], dpi=72, max_pixels=2 * one)) == 2


def test_page_ranges_are_clipped_not_expanded(tmp_path):
    sel = parse_page_ranges("1-999999999")
    assert len(sel) == 999_999_999 and 5 in sel and list(sel.pages_of(3)) == [0, 1, 2]
    assert parse_page_ranges("1,3-5") == [0, 2, 3, 4]
    t = time.perf_counter()
    assert len(load_pages([PDF], dpi=72, pages=sel)) == 1
    code, err = invoke("extract", PDF, "-o", str(tmp_path / "out"), "--pages", "1-999999999", "--dpi", "10",
                       "--segmenter", "threshold", "-q")
    assert code in (0, 2) and "Traceback" not in err
    code, err = invoke("extract", PDF, "-o", str(tmp_path / "out2"), "--pages", "2-999999999")
    assert "no page 2" in one_line_error(code, err)
    assert time.perf_counter() - t < 10


@pytest.mark.parametrize("dpi", ["nan", "inf", "-inf", "0", "-5", "1e9"])
def test_bad_dpi(dpi, tmp_path):
    code, err = invoke("extract", PDF, "-o", str(tmp_path / "out"), "--dpi", dpi)
    assert "--dpi" in one_line_error(code, err)


@pytest.mark.parametrize("budget", ["0", "-1", "nan", "lots"])
def test_bad_max_pixels(budget, tmp_path):
    code, err = invoke("extract", PDF, "-o", str(tmp_path / "out"), "--max-pixels", budget)
    assert "--max-pixels" in one_line_error(code, err)


@pytest.mark.parametrize("damage", ["page tree", "page count", "truncated"])
def test_damaged_pdf(damage, tmp_path):
    data = open(PDF, "rb").read()
    bad = {"page tree": data.replace(b"/Kids [ 3 0 R ]", b"/Kids [ 9 0 R ]"),
           "page count": data.replace(b"/Count 1 /Kids", b"/Count 9 /Kids"),
           "truncated": data[:len(data) // 2]}[damage]
    path = tmp_path / "bad.pdf"
    path.write_bytes(bad)
    code, err = invoke("extract", str(path), "-o", str(tmp_path / "out"), "--segmenter", "threshold", "-q",
                       "--dpi", "100")
    msg = one_line_error(code, err)
    assert "damaged" in msg or "not a readable PDF" in msg
    assert sorted(os.listdir(tmp_path)) == ["bad.pdf"]


# ---------------------------------------------------------------------------------------------------------
# fuzz: any bytes as input end in exit 0 or 2, one line, nothing left outside the output folder

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402 - the test extra installs it

FUZZ_EXAMPLES = int(os.environ.get("GLYPHSEG_FUZZ_EXAMPLES", "150"))  # a longer run: GLYPHSEG_FUZZ_EXAMPLES=1000


def _mutate(data: bytes, edits, cut) -> bytes:
    b = bytearray(data)
    for pos, value in edits:
        if b:
            b[pos % len(b)] = value
    return bytes(b[:cut]) if cut is not None and cut < len(b) else bytes(b)


@pytest.fixture(scope="module")
def seeds(page_png):
    with open(page_png, "rb") as fh:
        png = fh.read()
    with open(PDF, "rb") as fh:
        pdf = fh.read()
    return {"png": png, "pdf": pdf}


_edits = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255)), max_size=6)
_inputs = st.one_of(
    st.tuples(st.just("raw"), st.binary(max_size=600), st.sampled_from([".png", ".pdf", ".tif", ".bin"])),
    st.tuples(st.just("png"), st.tuples(_edits, st.one_of(st.none(), st.integers(0, 4000))), st.just(".png")),
    st.tuples(st.just("pdf"), st.tuples(_edits, st.one_of(st.none(), st.integers(0, 30000))), st.just(".pdf")),
)


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=_inputs, pages=st.sampled_from([None, "1", "1-999999999", "2", "1,1"]),
       text=st.one_of(st.none(), st.text(alphabet="abcfgijlmnrstuvwxyzAVW;:%ä", min_size=1, max_size=40)))
def test_fuzz_inputs(case, pages, text, seeds, tmp_path_factory):
    kind, payload, suffix = case
    data = payload if kind == "raw" else _mutate(seeds[kind], *payload)
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    args = ["extract", str(path), "-o", str(folder / "out"), "--segmenter", "threshold", "--dpi", "30", "-q"]
    if pages:
        args += ["--pages", pages]
    if text:  # a transcript, right or wrong: the alignment, its cuts and joins must hold too
        args += ["--text", text]
    r = CliRunner().invoke(main, args)
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert r.exit_code in (0, 2), r.stderr
    assert "Traceback" not in r.stderr
    left = sorted(os.listdir(folder))
    if r.exit_code == 0:
        assert left == ["input" + suffix, "out"] and (folder / "out" / OUTPUT_MARKER).exists()
    else:
        one_line_error(r.exit_code, r.stderr)
        assert left == ["input" + suffix]
    shutil.rmtree(folder)
