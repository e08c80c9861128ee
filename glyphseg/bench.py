"""`glyphseg bench`: the reproducible benchmark (the `benchmarks/` folder of a source checkout).

`python -m benchmarks` and `glyphseg bench` are the same command; this module only finds the benchmark
package beside the installed glyphseg and hands it the options.
"""
from __future__ import annotations

import os
import sys
from typing import Optional, Sequence

import click

from .types import GlyphsegError


def _benchmarks_module():
    try:
        import benchmarks.suite as suite  # noqa: F401 - run from the checkout root
        return suite
    except ImportError:
        pass
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if not os.path.isfile(os.path.join(root, "benchmarks", "suite.py")):
        raise GlyphsegError("glyphseg bench needs a source checkout (the benchmarks/ folder beside glyphseg/); "
                            "install glyphseg with `pip install -e .` from the repository")
    if root not in sys.path:
        sys.path.insert(0, root)
    import benchmarks.suite as suite

    return suite


def run_bench(quick: bool = False, fonts: Optional[Sequence[str]] = None, levels: Optional[Sequence[str]] = None,
              seed: int = 0, jobs: int = 1, segmenter: str = "threshold", real: bool = True,
              real_dir: Optional[str] = None, baselines: bool = True, out: Optional[str] = None,
              keep: Optional[str] = None, command: str = "python -m benchmarks", quiet: bool = False,
              install_apt: bool = False) -> dict:
    """Run the benchmark; write results.json and RESULTS.md (benchmarks/ for the default full suite,
    benchmarks/out/ otherwise, or `out`) and return the results."""
    suite = _benchmarks_module()
    cfg = suite.BenchConfig(quick=quick, fonts=list(fonts) if fonts else None, levels=list(levels) if levels else None,
                            seed=seed, jobs=jobs, segmenter=segmenter, real=real, real_dir=real_dir,
                            baselines=baselines, out=out, keep=keep, command=command, quiet=quiet,
                            install_apt=install_apt)
    try:
        return suite.run(cfg)
    except suite.RequirementsMissing as e:
        raise GlyphsegError(str(e)) from None
    except ValueError as e:
        raise GlyphsegError(str(e)) from None


def _command_line(ctx: click.Context) -> str:
    """The command as typed, rebuilt from the parsed options (recorded in RESULTS.md)."""
    import shlex

    words = ["python -m benchmarks" if ctx.info_name == "python -m benchmarks" else "glyphseg bench"]
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


@click.command("bench")
@click.option("--quick", is_flag=True, help="A few fonts, clean pages only (day-to-day work, < 3 min).")
@click.option("--fonts", default=None, help="Comma-separated font ids (see benchmarks/fonts.py). Default: the suite.")
@click.option("--levels", default=None, help="Comma-separated degradation levels: clean,mild,harsh.")
@click.option("--seed", type=int, default=0, show_default=True, help="Base seed of the degradations.")
@click.option("-j", "--jobs", type=int, default=1, show_default=True,
              help="Pages in parallel (timings are per page either way; 1 keeps them uncontended).")
@click.option("--segmenter", type=click.Choice(["threshold", "sam2", "auto"]), default="threshold",
              show_default=True, help="glyphseg's segmenter.")
@click.option("--no-real", is_flag=True, help="Skip the real scans (../shared/data/real).")
@click.option("--real-dir", type=click.Path(), default=None, help="Where the real scans are.")
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
    command = _command_line(ctx)
    try:
        run_bench(quick=quick, fonts=_split(fonts), levels=_split(levels), seed=seed, jobs=max(1, jobs),
                  segmenter=segmenter, real=not no_real, real_dir=real_dir, baselines=not no_baselines, out=out,
                  keep=keep, command=command, quiet=quiet, install_apt=install_apt)
    except GlyphsegError as e:
        click.echo(f"glyphseg: error: {e}", err=True)
        sys.exit(2)
