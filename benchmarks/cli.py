"""`python -m benchmarks`: the command line of the reproducible benchmark (a tool of the source checkout,
not part of the installed glyphseg)."""
from __future__ import annotations

import shlex
import sys
from typing import Optional

import click

PROG = "python -m benchmarks"


def _command_line(ctx: click.Context) -> str:
    """The command as typed, rebuilt from the parsed options (recorded in RESULTS.md)."""
    words = [PROG]
    for param in ctx.command.params:
        value = ctx.params.get(param.name)
        if param.name == "install_apt" or value is None:
            continue
        flag = max(param.opts, key=len)
        if getattr(param, "is_flag", False):
            if value is True:
                words.append(flag)
        elif value != param.default:
            words.append(f"{flag} {shlex.quote(str(value))}")
    return " ".join(words)


def _split(value: Optional[str]):
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@click.command("benchmarks")
@click.option("--quick", is_flag=True, help="A few fonts, clean pages only (day-to-day work, < 3 min).")
@click.option("--fonts", default=None, help="Comma-separated font ids (see benchmarks/fonts.py). Default: the suite.")
@click.option("--levels", default=None, help="Comma-separated degradation levels: clean,mild,harsh.")
@click.option("--seed", type=int, default=0, show_default=True, help="Base seed of the degradations.")
@click.option("-j", "--jobs", type=int, default=1, show_default=True,
              help="Pages in parallel (timings are per page either way; 1 keeps them uncontended).")
@click.option("--segmenter", type=click.Choice(["threshold", "sam2", "auto"]), default="threshold",
              show_default=True, help="glyphseg's segmenter.")
@click.option("--no-real", is_flag=True, help="Skip the real scans (see --real-dir).")
@click.option("--real-dir", type=click.Path(), default=None,
              help="A folder of real scans with a MANIFEST (DIBCO 2011 printed, Kant 1784). Default: the project's "
                   "shared data folder; skipped with a note when absent.")
@click.option("--no-baselines", is_flag=True, help="glyphseg only: no Otsu, Sauvola, potrace, tesseract.")
@click.option("-o", "--out", type=click.Path(), default=None,
              help="Folder for RESULTS.md and results.json (default: benchmarks/ for the full default suite, "
                   "else benchmarks/out/).")
@click.option("--keep", type=click.Path(), default=None, help="Keep every page and extraction folder here.")
@click.option("--install-apt", is_flag=True,
              help="apt-get install the Debian packages the run lacks (benchmarks/requirements-apt.txt).")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines.")
@click.pass_context
def bench_command(ctx, quick, fonts, levels, seed, jobs, segmenter, no_real, real_dir, no_baselines, out, keep,
                  install_apt, quiet):
    """Benchmark glyphseg against exact ground truth and the usual tools (Otsu, Sauvola, potrace, tesseract)."""
    from glyphseg.types import GlyphsegError

    from . import suite

    cfg = suite.BenchConfig(quick=quick, fonts=_split(fonts), levels=_split(levels), seed=seed, jobs=max(1, jobs),
                            segmenter=segmenter, real=not no_real, real_dir=real_dir, baselines=not no_baselines,
                            out=out, keep=keep, command=_command_line(ctx), quiet=quiet, install_apt=install_apt)
    try:
        suite.run(cfg)
    except (suite.RequirementsMissing, ValueError, GlyphsegError) as e:
        click.echo(f"{PROG}: error: {e}", err=True)
        sys.exit(2)


def main() -> None:
    bench_command(prog_name=PROG)
