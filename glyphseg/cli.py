"""Command line: `glyphseg extract`, `glyphseg model info` (the benchmark is a repository tool: `python -m benchmarks`).

Every expected failure (bad input, missing model, existing output) ends in one line on stderr and exit
status 2; anything unexpected in one line and status 1 (`GLYPHSEG_DEBUG=1` shows the traceback).
"""
from __future__ import annotations

import math
import os
import re
import signal
import sys
import threading
import time

import click

from . import SAM2_INSTALL_HINT
from .types import GlyphsegError


MAX_NOTES_SHOWN = 8


def _device(ctx, param, value):
    """--device: cpu, cuda or cuda:N (checked here, so a typo is not silently ignored by the threshold run)."""
    v = (value or "cpu").strip().lower()
    if v == "cpu" or v == "cuda" or re.fullmatch(r"cuda:\d+", v):
        return v
    raise GlyphsegError(f"--device {value}: use cpu, cuda or cuda:N")


def _fail(message: str, code: int = 2):
    click.echo(f"glyphseg: error: {message}", err=True)
    sys.exit(code)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the output's temporary folder is removed on the way out."""


def _on_sigterm(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: a second SIGTERM must not cut the clean-up short
    raise _Terminated()


class _Group(click.Group):
    def main(self, *args, **kwargs):
        """Click's usage errors (a missing -o, an unknown option) as one `glyphseg: error:` line, exit 2."""
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as e:  # plain `glyphseg`: its help, as it always was
            click.echo(e.ctx.get_help())
            sys.exit(0)
        except click.UsageError as e:
            where = f" (see {e.ctx.command_path} --help)" if e.ctx is not None else ""
            _fail(e.format_message().splitlines()[0] + where)
        except click.ClickException as e:
            _fail(e.format_message().splitlines()[0])
        except click.exceptions.Abort:
            _fail("interrupted; nothing was written", 130)

    def invoke(self, ctx):
        previous = None
        if threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            return super().invoke(ctx)
        except GlyphsegError as e:
            _fail(str(e))
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit):
            raise
        except _Terminated:
            _fail("terminated (SIGTERM); nothing was written", 128 + signal.SIGTERM)
        except KeyboardInterrupt:
            _fail("interrupted; nothing was written", 130)
        except Exception as e:  # noqa: BLE001 - one line, never a traceback, for users
            if os.environ.get("GLYPHSEG_DEBUG"):
                raise
            _fail(f"unexpected {type(e).__name__}: {e} (GLYPHSEG_DEBUG=1 shows where)", 1)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


def _check_dpi_and_tolerance(dpi: float, tolerance: float) -> None:
    if not math.isfinite(dpi) or dpi <= 0 or dpi > 4800:
        raise GlyphsegError(f"--dpi {dpi:g}: use a resolution between 1 and 4800")
    if not 0 < tolerance <= 100:
        raise GlyphsegError(f"--tolerance {tolerance:g}: use a curve-fit tolerance above 0 and at most 100 font units "
                            "(default 2)")


def _tracking(ctx, param, value):
    """--tracking: auto (None: estimated), or em between -0.5 and 1 (0.1 = letterspaced by a tenth of an em)."""
    text = str(value).strip().lower()
    if text == "auto":
        return None
    try:
        em = float(text)
    except ValueError:
        em = float("nan")
    if not -0.5 <= em <= 1:
        raise GlyphsegError(f"--tracking {value}: give auto or a tracking in em between -0.5 and 1, e.g. 0.1")
    return em


def _pixel_budget(ctx, param, value):
    """--max-pixels: a pixel count, or with a suffix K, M, G (200M = 200 000 000)."""
    if value is None:
        return None
    text = str(value).strip().upper().replace("_", "")
    scale = {"K": 1e3, "M": 1e6, "G": 1e9}.get(text[-1:], 1)
    try:
        n = float(text[:-1] if scale != 1 else text) * scale
    except ValueError:
        n = float("nan")
    if not math.isfinite(n) or n < 1:
        raise GlyphsegError(f"--max-pixels {value}: give a pixel count of at least 1, e.g. 200M")
    return int(n)


@click.group(cls=_Group)
@click.version_option(package_name="glyphseg")
def main():
    """glyphseg: turn font specimens (PDFs, scans) into named glyph outlines, a UFO and SVGs."""


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path(dir_okay=True))
@click.option("-o", "--output", "outdir", required=True, type=click.Path(),
              help="Output folder: a new one, or with --force one glyphseg wrote.")
@click.option("--text", default=None, help="The characters shown, in reading order (whitespace ignored).")
@click.option("--text-file", type=click.Path(), default=None, help="Read --text from a UTF-8 file.")
@click.option("--pages", default=None, help="PDF pages (or TIFF frames) to use, e.g. '1,3-5'. Default: all.")
@click.option("--dpi", type=float, default=600, show_default=True,
              help="Rasterization resolution for PDFs; for scans that do not record their own.")
@click.option("--max-pixels", default="100M", show_default=True, callback=_pixel_budget,
              help="Pixel budget of the run, all pages together (PDF pages at --dpi, scans as stored), checked "
                   "before decoding; 100M keeps memory within ~2 GB (about 18 bytes a pixel).")
@click.option("--segmenter", type=click.Choice(["auto", "sam2", "threshold"]), default="auto", show_default=True,
              help="auto: SAM2 when a checkpoint is available, else threshold.")
@click.option("--model", default=None, help="SAM2 checkpoint: a local folder or a hub id in the local cache.")
@click.option("--device", default="cpu", show_default=True, callback=_device,
              help="SAM2 device: cpu, cuda or cuda:N.")
@click.option("--dtype", type=click.Choice(["auto", "bf16", "fp32", "fp16"]), default="auto", show_default=True,
              help="SAM2 precision; auto is bf16 where the hardware supports it; fp16 on CUDA only.")
@click.option("--family", "families", multiple=True, default=["Specimen"], show_default=True,
              help="Font family name; repeat it to name each face in turn (more faces: '<family> 2', '<family> 3' …).")
@click.option("--style", default=None, help="Font style name (default: Regular, or Italic for a face that slants).")
@click.option("--faces", "face_choice", default="all", show_default=True,
              help="Which faces become fonts: all, main (the face with the most glyphs) or numbers such as 1,3.")
@click.option("--initials", type=click.Choice(["element", "glyph"]), default="element", show_default=True,
              help="Decorated initials: listed as elements and kept out of the fonts, or also kept as a glyph of "
                   "their own (W.initial, no Unicode) in their line's font.")
@click.option("--tolerance", type=float, default=2.0, show_default=True,
              help="Curve-fit tolerance in font units (1000 per em).")
@click.option("--recognise/--no-recognise", default=True, show_default=True,
              help="Without --text, label glyphs by matching them against glyph templates.")
@click.option("--min-score", type=float, default=0.5, show_default=True,
              help="Without --text: glyphs recognised less surely than this (0–1) stay unlabelled.")
@click.option("--force", is_flag=True,
              help="Replace the output folder if glyphseg wrote it (never a folder holding other files).")
@click.option("--consensus/--no-consensus", default=True, show_default=True,
              help="With --text: one outline from every agreeing print of a character; --no-consensus: each its own.")
@click.option("--spacing/--no-spacing", default=True, show_default=True,
              help="Side bearings solved from every gap on the page; --no-spacing: half of each gap.")
@click.option("--tracking", default="auto", show_default=True, callback=_tracking,
              help="The specimen's tracking in em, taken out of the spacing (0: keep the spacing as printed); "
                   "auto: estimated from the letters' counters, taken out when clearly letterspaced or tight.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
              help="Processes for the per-glyph work; 0 (default): all available cores.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def extract(inputs, outdir, text, text_file, pages, dpi, max_pixels, segmenter, model, device, dtype, families, style,
            face_choice, initials, tolerance, recognise, min_score, force, consensus, spacing, tracking, jobs, quiet):
    """Extract every glyph of INPUTS (PDF, PNG, TIFF, JPEG) into OUTDIR."""
    from .export import atomic_output_dir, export
    from .faces import parse_face_choice
    from .ingest import check_transcript, parse_page_ranges, read_transcript
    from .pipeline import ExtractOptions, Progress, extract as run_extract
    from .workers import native_threads, resolve_jobs

    if text and text_file:
        raise GlyphsegError("give --text or --text-file, not both")
    if text_file:
        text = read_transcript(text_file)
    elif text is not None:
        check_transcript(text, "--text")
    _check_dpi_and_tolerance(dpi, tolerance)
    if not 0 <= min_score <= 1:
        raise GlyphsegError(f"--min-score {min_score:g}: use a score between 0 and 1 (default 0.5)")
    parse_face_choice(face_choice)  # a bad --faces is refused before any work
    opt = ExtractOptions(dpi=dpi, pages=parse_page_ranges(pages), max_pixels=max_pixels, text=text,
                         segmenter=segmenter, model=model, device=device, dtype=dtype, family=families[0],
                         families=tuple(families), style=style, faces=face_choice, initials=initials,
                         tolerance=tolerance, recognise=recognise, min_score=min_score, jobs=jobs,
                         spacing=spacing, tracking=tracking, consensus=consensus)
    progress = Progress(quiet=quiet)
    t0 = time.perf_counter()
    # The output is checked and reserved (locked) before any work; written whole at the end, or not at all.
    cores = resolve_jobs(opt.jobs)
    with (atomic_output_dir(outdir, force=force, inputs=[*inputs, *([text_file] if text_file else [])]) as tmp,
          native_threads(cores)):
        ex = run_extract(list(inputs), opt, progress)
        path = export(ex, outdir, into=tmp, jobs=cores)
    n_pages = len(ex.pages)
    labelled = sum(1 for g in ex.glyphs if g.char is not None)
    if not quiet:
        for note in ex.notes[:MAX_NOTES_SHOWN]:
            click.echo(f"glyphseg: note: {note}", err=True)
        if len(ex.notes) > MAX_NOTES_SHOWN:  # per-glyph notes (SAM2 fallbacks) can be many: all are in glyphs.json
            click.echo(f"glyphseg: note: … and {len(ex.notes) - MAX_NOTES_SHOWN} more in glyphs.json", err=True)
        click.echo(f"{len(ex.glyphs)} glyphs ({labelled} labelled) from {n_pages} page(s) in "
                   f"{time.perf_counter() - t0:.1f} s → {path}", err=True)


@main.command()
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", "outroot", required=True, type=click.Path(),
              help="Batch folder: each input gets OUTROOT/<input stem>/, and OUTROOT/batch.json lists them all.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0,
              help="Inputs extracted at once; 0 (default): all cores here (with Ray: the cluster's CPUs).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: processes on this machine; ray: Ray tasks (pip install 'glyphseg[ray]').")
@click.option("--ray-address", default=None, help="With --engine ray: an existing cluster (default: a local Ray).")
@click.option("--dpi", type=float, default=600, show_default=True, help="As for extract.")
@click.option("--max-pixels", default="100M", show_default=True, callback=_pixel_budget,
              help="Pixel budget of each input, as for extract.")
@click.option("--segmenter", type=click.Choice(["auto", "sam2", "threshold"]), default="auto", show_default=True)
@click.option("--model", default=None, help="SAM2 checkpoint, as for extract (loaded once per worker).")
@click.option("--device", default="cpu", show_default=True, callback=_device)
@click.option("--dtype", type=click.Choice(["auto", "bf16", "fp32", "fp16"]), default="auto", show_default=True)
@click.option("--family", default=None, help="Family name for every font (default: each input's stem).")
@click.option("--tolerance", type=float, default=2.0, show_default=True)
@click.option("--force", is_flag=True, help="Redo inputs whose output is complete (default: skip them).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def batch(inputs, outroot, jobs, engine, ray_address, dpi, max_pixels, segmenter, model, device, dtype, family,
          tolerance, force, quiet):
    """Extract many specimens: INPUTS are files, folders, or .txt lists of them. A transcript
    `<stem>.txt` beside an input is its --text-file. Re-running skips finished inputs."""
    from .batch import collect_inputs, progress_printer, run_batch, summary_line
    from .pipeline import ExtractOptions

    _check_dpi_and_tolerance(dpi, tolerance)
    if ray_address and engine != "ray":
        raise GlyphsegError("--ray-address needs --engine ray")
    items = collect_inputs(inputs)
    opt = ExtractOptions(dpi=dpi, max_pixels=max_pixels, segmenter=segmenter, model=model, device=device,
                         dtype=dtype, family=family or "", tolerance=tolerance)
    on_done = progress_printer(len(items), quiet)
    try:
        records = run_batch(items, outroot, opt, jobs=jobs or None, engine=engine, ray_address=ray_address,
                            force=force, on_done=on_done)
    finally:
        on_done.close()
    line = summary_line(records, os.path.abspath(outroot))
    if any(r.status == "failed" for r in records):
        click.echo(f"glyphseg: {line}", err=True)
        sys.exit(1)
    if not quiet:
        click.echo(f"glyphseg: {line}", err=True)


@main.group()
def model():
    """SAM2 checkpoints."""


@model.command("info")
@click.option("--model", "model_id", default=None, help="Checkpoint folder or hub id (default: the standard one).")
@click.option("--device", default="cpu", show_default=True, callback=_device)
@click.option("--dtype", type=click.Choice(["auto", "bf16", "fp32", "fp16"]), default="auto", show_default=True)
def model_info(model_id, device, dtype):
    """Show what would load, from where, with which dtype and device."""
    try:
        from . import sam2
    except ImportError as e:
        click.echo(f"SAM2: not installed ({e.name} is missing); extract uses the threshold segmenter.\n"
                   f"To add it: {SAM2_INSTALL_HINT}")
        return
    click.echo(sam2.format_model_info(sam2.model_info(model_id, device=device, dtype=dtype)))


# The benchmark is a tool of the source checkout, not of the installed package: `python -m benchmarks`.

if __name__ == "__main__":  # pragma: no cover
    main()
